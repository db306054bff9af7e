import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { cloudWatchAlarm } from '../../lib/actions/rules/cloudwatch-alarm';
import { lambdaInvokeRule } from '../../lib/actions/rules/lambda-invoke-rule';
import type { RuleContext } from '../../lib/actions/rules/rule-provider';
import { CloudWatchAlarmStates, LambdaFunctionInvoker } from '../../lib/adapters/aws/rule-services';
import { createMotoAlarm, createMotoFunction, motoClientConfig, queueLambdaAnswers } from './support/moto-clients';

/** The rules' context with only what these two rules read. */
function context(rule: RuleContext['rule'], services: Pick<RuleContext, 'alarms' | 'lambdaFunctions'>): RuleContext {
  return {
    pipelineName: 'gated',
    executionId: '11111111-2222-3333-4444-555555555555',
    stageName: 'Deploy',
    rule,
    inputArtifacts: [],
    clock: () => new Date(),
    signal: new AbortController().signal,
    ...services,
  } as unknown as RuleContext;
}

const ruleOf = (name: string, provider: string, configuration: Record<string, string>): RuleContext['rule'] => ({
  name,
  ruleTypeId: { category: 'Rule', owner: 'AWS', provider, version: '1' },
  configuration,
});

describe('the CloudWatchAlarm rule on CloudWatch (moto)', () => {
  const client = new CloudWatchClient(motoClientConfig());
  const alarms = new CloudWatchAlarmStates(() => client);
  afterAll(() => client.destroy());

  const alarm = (state: 'OK' | 'INSUFFICIENT_DATA') => createMotoAlarm(client, state);

  it('passes while the alarm is OK, and fails once SetAlarmState puts it in ALARM', async () => {
    const name = await alarm('OK');
    const rule = ruleOf('NoErrors', 'CloudWatchAlarm', { AlarmName: name });
    expect(await cloudWatchAlarm.check(context(rule, { alarms }))).toMatchObject({ passed: true, summary: `Alarm ${name} is OK.` });

    await client.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: 'ALARM', StateReason: 'errors' }));
    expect(await cloudWatchAlarm.check(context(rule, { alarms }))).toMatchObject({ passed: false, summary: expect.stringContaining('is ALARM') });
  });

  it('fails in the states AlarmStates lists, and only those', async () => {
    const name = await alarm('INSUFFICIENT_DATA');
    expect((await cloudWatchAlarm.check(context(ruleOf('Data', 'CloudWatchAlarm', { AlarmName: name }), { alarms }))).passed).toBe(true);
    const listed = ruleOf('Data', 'CloudWatchAlarm', { AlarmName: name, AlarmStates: 'ALARM,INSUFFICIENT_DATA' });
    expect((await cloudWatchAlarm.check(context(listed, { alarms }))).passed).toBe(false);
  });

  it('fails for an alarm that does not exist, naming it', async () => {
    const outcome = await cloudWatchAlarm.check(context(ruleOf('Ghost', 'CloudWatchAlarm', { AlarmName: 'sluice-no-such-alarm' }), { alarms }));
    expect(outcome).toEqual({ passed: false, summary: 'There is no CloudWatch alarm named sluice-no-such-alarm.' });
  });
});

/**
 * moto runs no function code without Docker: its Docker-less Lambda answers each invocation with
 * the next queued answer, or echoes the event. What this proves is the invocation, the event sent
 * and how the rule reads an answer; not a function's error (FunctionError), nor a missing
 * function, which this moto answers as it answers any other.
 */
describe('the LambdaInvoke rule on Lambda (moto)', () => {
  const client = new LambdaClient(motoClientConfig());
  const lambdaFunctions = new LambdaFunctionInvoker(() => client);
  afterAll(() => client.destroy());

  it('invokes the function with the execution, stage, rule and UserParameters, and passes when it answers', async () => {
    const name = await createMotoFunction(client, 'sluice-check');
    await queueLambdaAnswers([{ ok: true }]);
    const passed = await lambdaInvokeRule.check(context(ruleOf('Check', 'LambdaInvoke', { FunctionName: name, UserParameters: 'prod' }), { lambdaFunctions }));
    expect(passed).toMatchObject({ passed: true, summary: `${name} returned {"ok":true}` });

    // With no answer queued, moto's Docker-less Lambda echoes the event: what Sluice sends the function.
    const echoed = await lambdaInvokeRule.check(context(ruleOf('Check', 'LambdaInvoke', { FunctionName: name, UserParameters: 'prod' }), { lambdaFunctions }));
    expect(echoed.passed).toBe(true);
    expect(JSON.parse(echoed.summary.slice(`${name} returned `.length))).toEqual({
      pipelineName: 'gated',
      pipelineExecutionId: '11111111-2222-3333-4444-555555555555',
      stageName: 'Deploy',
      ruleName: 'Check',
      userParameters: 'prod',
      inputArtifacts: [],
    });
  });
});
