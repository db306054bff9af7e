import { pruneReportLines, type PruneReport } from '../core/retention';
import { startPeriodicWork, type PeriodicWork } from './periodic-work';

/** How often `sluice serve` applies the retention policy. */
export const RETENTION_SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface RetentionSweepOptions {
  /** One prune under the installation's policy. */
  prune: () => Promise<PruneReport>;
  /** Told one line for each pipeline that lost executions, and of a prune that failed. */
  write: (line: string) => void;
  intervalMs?: number;
}

/** Sweeps that run in the background; stopping waits for one under way. */
export type RetentionSweeps = PeriodicWork;

/**
 * Applies the retention policy now and then every `intervalMs`, in the background. A sweep that
 * is due while the last one still runs is skipped; one that fails is told and tried again later.
 */
export function startRetentionSweeps(options: RetentionSweepOptions): RetentionSweeps {
  return startPeriodicWork(
    () =>
      options.prune().then(
        (report) => pruneReportLines(report).forEach(options.write),
        (error: unknown) =>
          options.write(`warning: the retention sweep failed, and runs again later: ${error instanceof Error ? error.message : String(error)}`),
      ),
    options.intervalMs ?? RETENTION_SWEEP_INTERVAL_MS,
  );
}
