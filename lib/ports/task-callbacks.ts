import type { SluiceError } from '../core/errors';

/**
 * How a waiting Task is resumed: Step Functions' SendTaskSuccess/SendTaskFailure, or the local
 * engine's promise. A failure reaches the Task as the error's name and message (SendTaskFailure's error and
 * cause). Each call uses the token up, then runs `record`, which writes down what the
 * call decided. The local engine resumes the Task only after `record`, so that a local run never
 * ends before its decision is written down; on AWS, the next state may start meanwhile. When no
 * Task waits on the token, a call throws TaskNotWaitingError and runs nothing.
 */
export interface TaskCallbacks {
  succeed(taskToken: string, output: Record<string, unknown>, record?: () => Promise<void>): Promise<void>;
  fail(taskToken: string, error: SluiceError, record?: () => Promise<void>): Promise<void>;
}
