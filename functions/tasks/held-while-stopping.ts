import type { MiddlewareObj } from '@middy/core';
import type { PipelineRef } from '../../lib/core/task-payloads';
import { holdIfStopping, startsSomething, type StoppingWait } from '../../lib/execution/stop-execution';
import type { ExecutionStore } from '../../lib/ports/execution-store';
import type { TaskContext } from '../../lib/ports/task-context';

/** How a task function that nothing else holds waits out a stop and wait: on AWS, lambdaStoppingWait. */
export type StoppingWaitOf = (context: TaskContext) => StoppingWait;

/**
 * Stop and wait in a task function: once the execution is Stopping, a step that starts something
 * does not run (holdIfStopping). Before the idempotency middleware, so that a held step records no
 * result. Without `waitOf` it holds nothing: locally, the engine's handlers hold the steps before
 * they call the function (lib/compose/local-task-handlers.ts).
 */
export function heldWhileStopping(
  store: () => ExecutionStore,
  waitOf: StoppingWaitOf | undefined,
): MiddlewareObj<{ step: string; pipeline: PipelineRef }, unknown, Error, TaskContext> {
  return {
    before: async ({ event, context }) => {
      if (waitOf && startsSomething(event.step)) await holdIfStopping(store(), event.pipeline.executionId, event.step, waitOf(context));
    },
  };
}
