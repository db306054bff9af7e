import { SluiceError } from '../core/errors';

/** No Task waits on the token any more: it timed out, or its execution ended or moved on. */
export class TaskNotWaitingError extends SluiceError {
  constructor(message = 'No task is waiting for this token: it timed out, or its execution has ended or moved on.', options?: { cause?: unknown }) {
    super('Sluice.TaskNotWaiting', message, options);
  }
}

/**
 * How a waiting Task is resumed: Step Functions' SendTaskSuccess/SendTaskFailure, or the local
 * engine's promise. Each call uses the token up, then runs `record`, which writes down what the
 * call decided. The local engine resumes the Task only after `record`, so that a local run never
 * ends before its decision is written down; on AWS, the next state may start meanwhile. When no
 * Task waits on the token, a call throws TaskNotWaitingError and runs nothing.
 */
export interface TaskCallbacks {
  succeed(taskToken: string, output: Record<string, unknown>, record?: () => Promise<void>): Promise<void>;
  fail(taskToken: string, error: string, cause: string, record?: () => Promise<void>): Promise<void>;
}
