/**
 * The example pipeline end to end: `sluice example --no-serve --quiet` in a fresh data dir, as a
 * user runs it, compared with bench/example-pipeline-baseline.sh doing the same work by hand on the
 * same repository. Both are whole processes, so Sluice's start-up (module loading, the embedded
 * servers) counts, as it does for a user.
 *
 * A third path is `sluice run` on a data dir that a running `sluice serve` owns: the run is handed
 * to serve, whose embedded stack is already up, as it is for anyone who keeps serve running.
 */
import { cp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describeMachine } from './support/machine';
import { withServe } from './support/sluice-serve';
import { runProcessOrThrow, type ProcessRun } from './support/run-process';
import { fixed, median } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

const MEASURED_RUNS = 3;
const TARGET_RATIO = 1.2;
/** The bundle runs from dist/bench/, two levels below the repository. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(PROJECT_ROOT, 'dist', 'sluice.cjs');
const BASELINE_SCRIPT = path.join(PROJECT_ROOT, 'bench', 'example-pipeline-baseline.sh');
const EXAMPLE_PIPELINE = path.join(PROJECT_ROOT, 'examples', 'webapp.pipeline.yml');
const STAGES = ['Source', 'Build', 'Test', 'Deploy'] as const;
const STARTUP = 'start-up (process start → first stage starts)';
const BETWEEN_STAGES = 'between stages';
const SHUTDOWN = 'shutdown (last stage done → process exit)';
const PARTS = [STARTUP, ...STAGES, BETWEEN_STAGES, SHUTDOWN];

interface TimedRun {
  ms: number;
  /** Milliseconds by part of PARTS. */
  parts: Map<string, number>;
}

function lineTime(run: ProcessRun, pattern: RegExp): number {
  const line = run.stdoutLines.find(({ text }) => pattern.test(text));
  if (!line) throw new Error(`no output line matches ${pattern}:\n${run.stdout}`);
  return line.atMs;
}

/** Adds the time between and around the stages, so that the parts add up to the wall time. */
function withRest(ms: number, stages: Map<string, number>, startupMs: number, shutdownMs: number): TimedRun {
  const inStages = [...stages.values()].reduce((sum, value) => sum + value, 0);
  return { ms, parts: new Map([...stages, [STARTUP, startupMs], [SHUTDOWN, shutdownMs], [BETWEEN_STAGES, ms - startupMs - shutdownMs - inStages]]) };
}

/** Stage times from the progress lines, e.g. "  Build: succeeded in 3.6s"; start-up and shutdown from when lines arrived. */
async function runSluice(dataDir: string): Promise<TimedRun> {
  const run = await runProcessOrThrow(process.execPath, [CLI, 'example', '--no-serve', '--quiet', '--data-dir', dataDir]);
  if (!run.stdout.includes('webapp: succeeded')) throw new Error(`sluice example did not succeed:\n${run.stdout}\n${run.stderr}`);
  const stages = new Map<string, number>();
  for (const match of run.stdout.matchAll(/^\s+([^\s:/]+): succeeded in ([\d.]+)s$/gm)) stages.set(match[1]!, Number(match[2]) * 1000);
  const startupMs = lineTime(run, /^\s+Source\/Checkout: started/);
  const shutdownMs = run.ms - lineTime(run, /^webapp: succeeded/);
  return withRest(run.ms, stages, startupMs, shutdownMs);
}

/** `sluice run` of the example on a data dir that `sluice serve` owns; the times are taken as in `runSluice`. */
async function runThroughServe(dataDir: string, repository: string): Promise<TimedRun> {
  const run = await runProcessOrThrow(process.execPath, [
    CLI,
    'run',
    EXAMPLE_PIPELINE,
    '--quiet',
    '--data-dir',
    dataDir,
    '--var',
    `RepositoryUrl=${repository}`,
  ]);
  if (!run.stdout.includes('webapp: succeeded')) throw new Error(`sluice run did not succeed:\n${run.stdout}\n${run.stderr}`);
  const stages = new Map<string, number>();
  for (const match of run.stdout.matchAll(/^\s+([^\s:/]+): succeeded in ([\d.]+)s$/gm)) stages.set(match[1]!, Number(match[2]) * 1000);
  return withRest(run.ms, stages, lineTime(run, /^\s+Source\/Checkout: started/), run.ms - lineTime(run, /^webapp: succeeded/));
}

/** Stage times from the "<step> <epoch ms>" marks that the script writes after each step. */
async function runBaseline(repository: string, work: string): Promise<TimedRun> {
  const run = await runProcessOrThrow('bash', [BASELINE_SCRIPT, repository, work]);
  const marks = (await readFile(path.join(work, 'timings'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => line.split(' ') as [string, string]);
  const stages = new Map<string, number>();
  marks.slice(1).forEach(([step, at], index) => stages.set(step, Number(at) - Number(marks[index]![1])));
  const startupMs = Number(marks[0]![1]) - run.startedAtEpochMs;
  const shutdownMs = run.startedAtEpochMs + run.ms - Number(marks.at(-1)![1]);
  return withRest(run.ms, stages, startupMs, shutdownMs);
}

function breakdownTable(sluice: TimedRun[], served: TimedRun[], baseline: TimedRun[]): string {
  const medianOf = (runs: TimedRun[], part: string) => fixed(median(runs.map((run) => run.parts.get(part) ?? 0)) / 1000, 2);
  return markdownTable(
    ['part', 'Sluice, s', 'served run, s', 'baseline, s'],
    PARTS.map((part) => [part, medianOf(sluice, part), medianOf(served, part), medianOf(baseline, part)]),
  );
}

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await stat(CLI).catch(() => {
    throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm run bench\` does).`);
  });
  await withTempDir('example', async (root) => {
    // The first run creates the example repository; both sides then build that same commit.
    const firstDataDir = path.join(root, 'first');
    const first = await runSluice(firstDataDir);
    const repository = path.join(firstDataDir, 'repositories', 'webapp');

    const sluiceRuns: TimedRun[] = [];
    const baselineRuns: TimedRun[] = [];
    const servedRuns: TimedRun[] = [];
    for (let run = 0; run < MEASURED_RUNS; run += 1) {
      // A fresh data dir (empty DynamoDB and S3) holding a copy of the repository, so that the
      // run builds it instead of creating a new one with a different commit.
      const dataDir = path.join(root, `sluice-${run}`);
      await cp(repository, path.join(dataDir, 'repositories', 'webapp'), { recursive: true });
      sluiceRuns.push(await runSluice(dataDir));
      await rm(dataDir, { recursive: true, force: true });

      const work = path.join(root, `baseline-${run}`);
      baselineRuns.push(await runBaseline(repository, work));
      await rm(work, { recursive: true, force: true });
    }
    // Serve's data dir is the first run's, so its pipeline is registered and its S3 bucket exists.
    await withServe(CLI, firstDataDir, async () => {
      for (let run = 0; run < MEASURED_RUNS; run += 1) servedRuns.push(await runThroughServe(firstDataDir, repository));
    });

    const sluiceMs = median(sluiceRuns.map((run) => run.ms));
    const baselineMs = median(baselineRuns.map((run) => run.ms));
    const servedMs = median(servedRuns.map((run) => run.ms));
    const ratio = sluiceMs / baselineMs;
    const servedRatio = servedMs / baselineMs;
    const all = (runs: TimedRun[]) => runs.map((run) => fixed(run.ms / 1000, 2)).join(', ');
    printSection(
      `Example pipeline end to end (median of ${MEASURED_RUNS}, alternating, after one run that created the repository)`,
      markdownTable(
        ['path', 'wall time, s', 'all runs, s'],
        [
          ['`sluice example --no-serve --quiet`, fresh data dir', fixed(sluiceMs / 1000, 2), all(sluiceRuns)],
          ['bash script doing the same work (`bench/example-pipeline-baseline.sh`)', fixed(baselineMs / 1000, 2), all(baselineRuns)],
          [`**ratio Sluice / baseline** (target ≤ ${TARGET_RATIO})`, `**${fixed(ratio, 2)}** ${verdict(ratio <= TARGET_RATIO)}`, ''],
          ['`sluice run … --quiet` handed to a running `sluice serve` (measured after the others)', fixed(servedMs / 1000, 2), all(servedRuns)],
          [`**ratio served run / baseline** (target ≤ ${TARGET_RATIO})`, `**${fixed(servedRatio, 2)}** ${verdict(servedRatio <= TARGET_RATIO)}`, ''],
          ['first Sluice run, which also created the repository (not in the medians)', fixed(first.ms / 1000, 2), ''],
        ],
      ),
    );
    printSection(
      'Where the time goes (medians; Sluice stage times come from its progress lines, to 0.1 s, so the parts are approximate)',
      breakdownTable(sluiceRuns, servedRuns, baselineRuns),
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
