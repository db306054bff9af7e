import { withinFunctionTime } from '../../../lib/execution/action-deadline';
import type { TaskContext } from '../../../lib/ports/task-context';

const contextWith = (remainingMs: number, stopSignal?: AbortSignal) => {
  const deadline = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => deadline - Date.now(), ...(stopSignal ? { stopSignal } : {}) } as TaskContext;
};

/** Resolves with the signal's reason once it aborts. */
const aborted = (signal: AbortSignal) => new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));

describe('withinFunctionTime', () => {
  it('aborts the wind-down time before the function runs out of time', async () => {
    const started = Date.now();
    const reason = await withinFunctionTime(contextWith(200), 150, aborted);
    expect(reason).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(150);
  });

  it('aborts when the stop signal aborts, with its reason', async () => {
    const stop = new AbortController();
    const run = withinFunctionTime(contextWith(60_000, stop.signal), 1_000, aborted);
    stop.abort('stopped');
    await expect(run).resolves.toBe('stopped');
  });

  it('lets go of the timer and the stop signal once the run ends', async () => {
    const stop = new AbortController();
    let signal: AbortSignal | undefined;
    await withinFunctionTime(contextWith(100, stop.signal), 50, async (given) => {
      signal = given;
    });
    stop.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(signal!.aborted).toBe(false);
  });
});
