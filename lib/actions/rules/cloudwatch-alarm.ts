import type { ConfigurationProblem } from '../../core/providers';
import { BadInputError } from '../../core/errors';
import type { AlarmState } from '../../ports/rule-services';
import type { RuleProvider } from './rule-provider';

const STATES: readonly AlarmState[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

/**
 * The longest WaitTime Sluice keeps: the rule waits within one invocation of the action runner,
 * whose Lambda timeout is 15 minutes.
 */
export const MAX_WAIT_MINUTES = 14;
/** How often a waiting rule looks at the alarm again. */
const POLL_MS = 10_000;

function monitoredStates(configuration: Readonly<Record<string, string>>): string[] {
  return (configuration.AlarmStates ?? 'ALARM').split(',').map((state) => state.trim());
}

function checkConfiguration(configuration: Readonly<Record<string, string>>): ConfigurationProblem[] {
  const problems: ConfigurationProblem[] = [];
  const unknown = monitoredStates(configuration).filter((state) => !(STATES as readonly string[]).includes(state));
  if (configuration.AlarmStates !== undefined && unknown.length > 0) {
    problems.push({ key: 'AlarmStates', message: `AlarmStates lists ${STATES.join(', ')}, separated by commas; not ${unknown.join(', ')}.` });
  }
  const wait = configuration.WaitTime;
  if (wait !== undefined && !(/^\d+$/.test(wait) && Number(wait) <= MAX_WAIT_MINUTES)) {
    problems.push({ key: 'WaitTime', message: `WaitTime is a whole number of minutes from 0 to ${MAX_WAIT_MINUTES} in Sluice; not ${wait}.` });
  }
  return problems;
}

/**
 * CodePipeline's CloudWatchAlarm rule: fails while the alarm is in one of the monitored states
 * (ALARM unless AlarmStates says otherwise). With WaitTime it first waits that many minutes for
 * the alarm to leave them.
 */
export const cloudWatchAlarm: RuleProvider = {
  spec: {
    provider: 'CloudWatchAlarm',
    version: '1',
    description: 'Fails when the CloudWatch alarm is in one of AlarmStates (ALARM by default), after waiting up to WaitTime minutes for it to leave them.',
    configuration: [
      { name: 'AlarmName', required: true, description: 'The CloudWatch alarm.' },
      { name: 'AlarmStates', required: false, description: 'The states that fail the rule, separated by commas: ALARM, OK, INSUFFICIENT_DATA.' },
      { name: 'WaitTime', required: false, description: 'Minutes to wait for the alarm to leave those states before the rule fails.' },
    ],
    inputArtifacts: { min: 0, max: 0 },
    service: 'cloudwatch',
    runtimes: ['aws', 'local'],
    checkConfiguration,
  },
  async check({ rule, alarms, clock, signal }) {
    if (!alarms) throw new BadInputError('No CloudWatch endpoint is configured here.');
    const configuration = rule.configuration ?? {};
    const name = configuration.AlarmName!;
    const monitored = monitoredStates(configuration);
    const deadline = clock().getTime() + Number(configuration.WaitTime ?? 0) * 60_000;
    for (;;) {
      const state = await alarms.stateOf(name, rule.region);
      if (state === undefined) return { passed: false, summary: `There is no CloudWatch alarm named ${name}.` };
      if (!monitored.includes(state)) return { passed: true, summary: `Alarm ${name} is ${state}.`, externalExecutionId: name };
      if (clock().getTime() + POLL_MS > deadline || signal.aborted) {
        return { passed: false, summary: `Alarm ${name} is ${state}, one of ${monitored.join(', ')}.`, externalExecutionId: name };
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  },
};
