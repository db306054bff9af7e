import type { TaskContext } from '../ports/task-context';

/**
 * Runs `run` with a signal that aborts `windDownMs` before the function's time is up, or when
 * the context's stop signal aborts, and lets go of both when `run` ends. Unlike
 * `AbortSignal.any([AbortSignal.timeout(…), stop])`, nothing outlives the call: a local context's
 * time may be weeks, and a timeout signal that holds the action's listeners would keep them that long.
 */
export async function withinFunctionTime<T>(context: TaskContext, windDownMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The function is about to run out of time.', 'TimeoutError')),
    Math.max(1, context.getRemainingTimeInMillis() - windDownMs),
  );
  const stopSignal = context.stopSignal;
  const stop = () => controller.abort(stopSignal?.reason);
  if (stopSignal?.aborted) stop();
  stopSignal?.addEventListener('abort', stop, { once: true });
  try {
    return await run(controller.signal);
  } finally {
    clearTimeout(timer);
    stopSignal?.removeEventListener('abort', stop);
  }
}
