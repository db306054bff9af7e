/** CodePipeline's execution statuses, and which changes between them are allowed. */

export const PIPELINE_EXECUTION_STATUSES = ['InProgress', 'Stopping', 'Stopped', 'Succeeded', 'Superseded', 'Failed', 'Cancelled'] as const;
export type PipelineExecutionStatus = (typeof PIPELINE_EXECUTION_STATUSES)[number];

export type StageExecutionStatus = 'InProgress' | 'Stopping' | 'Stopped' | 'Succeeded' | 'Failed' | 'Cancelled' | 'Skipped';

export type ActionExecutionStatus = 'InProgress' | 'Abandoned' | 'Succeeded' | 'Failed';

const FINISHED: ReadonlySet<string> = new Set(['Stopped', 'Succeeded', 'Superseded', 'Failed', 'Cancelled', 'Abandoned', 'Skipped']);

/** A finished execution, stage or action never changes status again. */
export function isFinished(status: string): boolean {
  return FINISHED.has(status);
}

/** The statuses an execution may move to from InProgress or Stopping. */
export const PIPELINE_TRANSITIONS: Readonly<Record<PipelineExecutionStatus, readonly PipelineExecutionStatus[]>> = {
  InProgress: ['Stopping', 'Stopped', 'Succeeded', 'Superseded', 'Failed', 'Cancelled'],
  Stopping: ['Stopped', 'Failed'],
  Stopped: [],
  Succeeded: [],
  Superseded: [],
  Failed: [],
  Cancelled: [],
};

/** The statuses an execution must be in for it to move to `to`. */
export function pipelineStatusesBefore(to: PipelineExecutionStatus): PipelineExecutionStatus[] {
  return PIPELINE_EXECUTION_STATUSES.filter((from) => PIPELINE_TRANSITIONS[from].includes(to));
}

export type RetryTrigger = 'AutomatedStageRetry' | 'ManualStageRetry';

/** How often a stage has been retried in one execution: CodePipeline's RetryStageMetadata. */
export interface StageRetries {
  autoStageRetryAttempt: number;
  manualStageRetryAttempt: number;
  latestRetryTrigger: RetryTrigger;
}
