import { z } from 'zod';
import { BadInputError } from './errors';
import { DEFAULT_RETENTION, retentionSettingsSchema, type InstallationSettings } from './installation-settings';
import { isFinished, type PipelineExecutionStatus } from './status';

/** How long finished executions are kept. Each rule given bounds growth on its own. */
export interface RetentionPolicy {
  /** Keep at most this many finished executions of each pipeline, the newest. */
  keepExecutions?: number;
  /** Keep finished executions for this many days after they ended. */
  keepDays?: number;
}

/** A prune's options: rules over the installation's setting, and whether only to report. */
export interface PruneOptions extends RetentionPolicy {
  dryRun?: boolean;
}

const pruneOptionsSchema = retentionSettingsSchema.extend({ dryRun: z.boolean().optional() }).strict();

/** Checks a prune's options as they arrive over HTTP; bad ones are refused, naming the key. */
export function parsePruneOptions(value: unknown): PruneOptions {
  const parsed = pruneOptionsSchema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(the body)'}: ${issue.message}`).join('; ');
  throw new BadInputError(`Bad prune options: ${problems}. keepExecutions and keepDays are whole numbers of at least 1, dryRun a boolean.`);
}

/** What retention needs to know of an execution. */
export interface RetentionCandidate {
  pipelineName: string;
  pipelineExecutionId: string;
  status: PipelineExecutionStatus;
  startTime: string;
  /** When a finished execution ended. */
  lastUpdateTime: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The policy in force: each rule from `overrides` (the command's options) if given there, else
 * from the installation's settings, else its default.
 */
export function retentionPolicy(settings: InstallationSettings['retention'], overrides: RetentionPolicy = {}): RetentionPolicy {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...DEFAULT_RETENTION, ...settings, ...given };
}

/** The policy in words: what it keeps. */
export function describeRetention(policy: RetentionPolicy): string {
  const newest = policy.keepExecutions === undefined ? 'finished executions' : `the newest ${policy.keepExecutions} finished executions of each pipeline`;
  return policy.keepDays === undefined ? newest : `${newest} that ended in the last ${policy.keepDays} days`;
}

/**
 * The executions that `policy` lets go: finished ones outside the newest `keepExecutions` of
 * their pipeline, or that ended more than `keepDays` days before `now`. An execution that has
 * not finished (InProgress, Stopping, or waiting for an approval, which is InProgress) is never
 * among them, nor does it count towards the newest.
 */
export function executionsToPrune<T extends RetentionCandidate>(executions: readonly T[], policy: RetentionPolicy, now: Date): T[] {
  const finished = executions.filter((execution) => isFinished(execution.status));
  const byPipeline = new Map<string, T[]>();
  for (const execution of finished) byPipeline.set(execution.pipelineName, [...(byPipeline.get(execution.pipelineName) ?? []), execution]);
  const outsideNewest = new Set<T>();
  if (policy.keepExecutions !== undefined) {
    for (const executions of byPipeline.values()) {
      const newestFirst = [...executions].sort(newerFirst);
      for (const execution of newestFirst.slice(policy.keepExecutions)) outsideNewest.add(execution);
    }
  }
  const endedBefore = policy.keepDays === undefined ? undefined : now.getTime() - policy.keepDays * DAY_MS;
  return finished.filter((execution) => outsideNewest.has(execution) || (endedBefore !== undefined && Date.parse(execution.lastUpdateTime) < endedBefore));
}

/** Newest start first; executions that started in the same millisecond in a stable order. */
function newerFirst(a: RetentionCandidate, b: RetentionCandidate): number {
  return b.startTime.localeCompare(a.startTime) || b.pipelineExecutionId.localeCompare(a.pipelineExecutionId);
}

/** What a prune deleted (or, in a dry run, would delete) of one pipeline. */
export interface PrunedPipeline {
  pipelineName: string;
  executions: number;
  artifacts: number;
  logs: number;
  mails: number;
}

export interface PruneReport {
  dryRun: boolean;
  policy: RetentionPolicy;
  pipelines: PrunedPipeline[];
  /** Webhook and source-change delivery ids past their expiry. */
  expiredDeliveries: number;
}

/** A report in lines, one for each pipeline and one for the delivery ids; none when nothing went. */
export function pruneReportLines(report: PruneReport): string[] {
  const [prune, sweep] = report.dryRun ? ['Would prune', 'Would sweep'] : ['Pruned', 'Swept'];
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  return [
    ...report.pipelines.map(
      (pruned) =>
        `${prune} ${count(pruned.executions, 'execution')} of ${pruned.pipelineName}: ${count(pruned.artifacts, 'artifact')}, ${count(pruned.logs, 'log')}, ${count(pruned.mails, 'mail')}`,
    ),
    ...(report.expiredDeliveries > 0 ? [`${sweep} ${count(report.expiredDeliveries, 'expired delivery id')}`] : []),
  ];
}
