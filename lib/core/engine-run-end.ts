import { StoppedError } from './errors';
import type { PipelineExecutionStatus } from './status';

/** The error a StopPipelineExecution stops its state machine execution with. */
export const STOPPED_ERROR = StoppedError.traits.name;

/** The summary of an execution that a person stopped without a reason: Ctrl-C, or a closing process. */
export const STOPPED_BY_USER = 'stopped by the user';

/**
 * The detail of Step Functions' "Step Functions Execution Status Change" event (source
 * `aws.states`), in the fields read here. It holds what DescribeExecution answers: the execution
 * is named after its pipeline execution's id, and an execution that did not succeed has the
 * error and cause it ended with.
 */
export interface StateMachineExecutionChange {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
  error?: string | null;
  cause?: string | null;
}

/**
 * The name of an execution's run on the engine: its id, and for a later attempt (a stage retried)
 * the attempt after `_`, which no id holds: Step Functions names each run of a state machine once.
 */
export function engineRunName(executionId: string, attempt = 1): string {
  return attempt === 1 ? executionId : `${executionId}_${attempt}`;
}

/** The pipeline execution that an engine's run of `name` belongs to. */
export function executionIdOfRun(name: string): string {
  return name.split('_')[0]!;
}

/** The statuses in which a state machine execution is over without having succeeded, and how to say so. */
const HOW_IT_ENDED = { FAILED: 'failed', TIMED_OUT: 'timed out', ABORTED: 'was aborted' } as const;
export const UNSUCCESSFUL_ENDS = Object.keys(HOW_IT_ENDED) as (keyof typeof HOW_IT_ENDED)[];

/** How a pipeline execution ends when its state machine execution ended without it. */
export interface PipelineExecutionEnd {
  executionId: string;
  engineExecutionArn: string;
  status: Extract<PipelineExecutionStatus, 'Failed' | 'Stopped'>;
  reason: string;
}

/**
 * How the pipeline execution that a state machine execution ran ends, if that one ended without
 * succeeding: Stopped when StopPipelineExecution stopped it, Failed otherwise, with a reason that
 * says what happened. A running or succeeded execution ends nothing.
 */
export function pipelineExecutionEnd(change: StateMachineExecutionChange): PipelineExecutionEnd | undefined {
  if (!Object.hasOwn(HOW_IT_ENDED, change.status)) return undefined;
  const run = { executionId: executionIdOfRun(change.name), engineExecutionArn: change.executionArn };
  if (change.status === 'ABORTED' && change.error === STOPPED_ERROR) return { ...run, status: 'Stopped', reason: change.cause || 'Stopped' };
  const how = HOW_IT_ENDED[change.status as keyof typeof HOW_IT_ENDED];
  return { ...run, status: 'Failed', reason: [`The state machine execution ${how}`, change.error, change.cause].filter(Boolean).join(': ') };
}
