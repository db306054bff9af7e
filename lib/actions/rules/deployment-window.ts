import { Cron } from 'croner';
import type { ConfigurationProblem } from '../../core/providers';
import { findVariableReferences } from '../../core/variables';
import type { RuleProvider } from './rule-provider';

/** The largest value of each field of CodePipeline's cron: seconds, minutes, hours, day of month, month, day of week, year. */
const FIELD_MAX = [59, 59, 23, 31, 12, 7, 2199];

/**
 * CodePipeline's cron (Quartz's: six fields and an optional year, days of the week 1-7 from
 * Sunday) in croner's terms: croner reads `5/15` only as `5-max/15`, which it means.
 */
function window(cron: string, timeZone: string): Cron {
  const fields = cron.trim().split(/\s+/);
  const stepped = fields.map((field, index) => field.replace(/^(\d+)\/(\d+)$/, (_, start: string, step: string) => `${start}-${FIELD_MAX[index]}/${step}`));
  return new Cron(stepped.join(' '), { timezone: timeZone, alternativeWeekdays: true });
}

function checkConfiguration(configuration: Readonly<Record<string, string>>): ConfigurationProblem[] {
  const { Cron: cron, TimeZone: timeZone = 'UTC' } = configuration;
  if (cron === undefined || findVariableReferences(cron + timeZone).length > 0) return [];
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    return [{ key: 'TimeZone', message: `TimeZone "${timeZone}" is not an IANA time zone, such as Europe/Paris or UTC.` }];
  }
  try {
    window(cron, timeZone);
    return [];
  } catch (error) {
    return [{ key: 'Cron', message: `Cron "${cron}" is not a cron expression of six or seven fields: ${(error as Error).message}` }];
  }
}

/** CodePipeline's DeploymentWindow rule: passes while the time is within the window that a cron expression draws. */
export const deploymentWindow: RuleProvider = {
  spec: {
    provider: 'DeploymentWindow',
    version: '1',
    description: 'Passes when the current time matches the cron expression (seconds minutes hours day-of-month month day-of-week [year]) in the time zone.',
    configuration: [
      { name: 'Cron', required: true, description: 'The times deployments are allowed, as a cron expression of six fields and an optional year.' },
      { name: 'TimeZone', required: false, description: 'The IANA time zone of the cron expression; UTC when not given.' },
    ],
    inputArtifacts: { min: 0, max: 0 },
    runtimes: ['aws', 'local'],
    checkConfiguration,
  },
  async check({ rule, clock }) {
    const { Cron: cron = '', TimeZone: timeZone = 'UTC' } = rule.configuration ?? {};
    const now = clock();
    const passed = window(cron, timeZone).match(now);
    return { passed, summary: `${now.toISOString()} is ${passed ? 'within' : 'outside'} the deployment window "${cron}" (${timeZone}).` };
  },
};
