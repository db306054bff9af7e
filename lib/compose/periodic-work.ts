/** Work that runs in the background; stopping waits for a run under way. */
export interface PeriodicWork {
  stop(): Promise<void>;
}

/**
 * Runs `work` now and then every `intervalMs`, in the background. A run that is due while the
 * last one still goes on is skipped; `work` reports its own failures, and must not reject.
 */
export function startPeriodicWork(work: () => Promise<void>, intervalMs: number): PeriodicWork {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= work().finally(() => {
      running = undefined;
    });
  };
  run();
  const timer = setInterval(run, intervalMs);
  // A pending run never keeps the process alive.
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
