import type { Context } from 'aws-lambda';

/**
 * The Lambda context a Task's handler runs with. The local engine's also carries the signal that
 * stopping its execution aborts, since no Lambda timeout ends a local call.
 */
export interface TaskContext extends Context {
  readonly stopSignal?: AbortSignal;
}
