import type { PruneReport } from '../../../lib/core/retention';
import { startRetentionSweeps } from '../../../lib/compose/retention-sweeps';

const report = (executions: number): PruneReport => ({
  dryRun: false,
  policy: { keepDays: 90 },
  pipelines: executions > 0 ? [{ pipelineName: 'webapp', executions, artifacts: 2 * executions, logs: executions, mails: 0 }] : [],
  expiredDeliveries: 0,
});

describe('startRetentionSweeps', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('prunes at once and then at each interval, with a line only when something went', async () => {
    const results = [report(0), report(2), report(0), report(1)];
    const prune = jest.fn(async () => results.shift()!);
    const lines: string[] = [];

    const sweeps = startRetentionSweeps({ prune, write: (line) => lines.push(line), intervalMs: 60_000 });
    await jest.advanceTimersByTimeAsync(0);
    expect(prune).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([]);

    await jest.advanceTimersByTimeAsync(60_000);
    expect(lines).toEqual(['Pruned 2 executions of webapp: 4 artifacts, 2 logs, 0 mails']);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(prune).toHaveBeenCalledTimes(4);
    expect(lines).toEqual(['Pruned 2 executions of webapp: 4 artifacts, 2 logs, 0 mails', 'Pruned 1 execution of webapp: 2 artifacts, 1 log, 0 mails']);

    await sweeps.stop();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(prune).toHaveBeenCalledTimes(4);
  });

  it('tells of a failed sweep and tries again at the next interval', async () => {
    const prune = jest.fn().mockRejectedValueOnce(new Error('settings.json is not JSON')).mockResolvedValue(report(1));
    const lines: string[] = [];

    const sweeps = startRetentionSweeps({ prune, write: (line) => lines.push(line), intervalMs: 1000 });
    await jest.advanceTimersByTimeAsync(1000);
    await sweeps.stop();

    expect(lines).toEqual([
      'warning: the retention sweep failed, and runs again later: settings.json is not JSON',
      'Pruned 1 execution of webapp: 2 artifacts, 1 log, 0 mails',
    ]);
  });

  it('skips a sweep that falls due while the last still runs, and stopping waits for the one under way', async () => {
    let finish!: () => void;
    const prune = jest.fn(
      () =>
        new Promise<PruneReport>((resolve) => {
          finish = () => resolve(report(1));
        }),
    );
    const lines: string[] = [];

    const sweeps = startRetentionSweeps({ prune, write: (line) => lines.push(line), intervalMs: 1000 });
    await jest.advanceTimersByTimeAsync(5000);
    expect(prune).toHaveBeenCalledTimes(1);

    const stopped = sweeps.stop();
    finish();
    await stopped;
    expect(lines).toEqual(['Pruned 1 execution of webapp: 2 artifacts, 1 log, 0 mails']);
  });
});
