import type { PipelineExecutionStatus } from './status';

/** The error a StopPipelineExecution stops its state machine execution with. */
export const STOPPED_ERROR = 'Sluice.Stopped';

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

/** The statuses in which a state machine execution is over without having succeeded. */
export const UNSUCCESSFUL_ENDS = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

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
  const what = 'The state machine execution';
  const because = (text: string) => [text, change.error, change.cause].filter(Boolean).join(': ');
  const end = (status: PipelineExecutionEnd['status'], reason: string): PipelineExecutionEnd => ({
    executionId: change.name,
    engineExecutionArn: change.executionArn,
    status,
    reason,
  });
  switch (change.status) {
    case 'FAILED':
      return end('Failed', because(`${what} failed`));
    case 'TIMED_OUT':
      return end('Failed', because(`${what} timed out`));
    case 'ABORTED':
      if (change.error === STOPPED_ERROR) return end('Stopped', change.cause || 'Stopped');
      return end('Failed', because(`${what} was aborted`));
    default:
      return undefined;
  }
}
