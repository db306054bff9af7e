/**
 * What a one-shot `sluice run` costs around its actions: from the process's start to its first
 * action's start, and from its last stage's end to the process's exit. The pipeline is as small as
 * a useful one gets (a Git source and one Commands action that does nothing), so that nearly all of
 * the wall time is start-up and shutdown; it runs in a fresh data dir and in one used before.
 * The baseline is Node doing nothing, the floor under any Node program.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeMachine } from './support/machine';
import { runProcessOrThrow, type ProcessRun } from './support/run-process';
import { fixed, median } from './support/stats';
import { markdownTable, printSection } from './support/table';
import { withTempDir } from './support/temp-dir';

const MEASURED_RUNS = 7;
/** The bundle runs from dist/bench/, two levels below the repository. */
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'sluice.cjs');

const pipelineDeclaration = (repository: string) => `name: startup
pipelineType: V2
stages:
  - name: Source
    actions:
      - name: Checkout
        actionTypeId: { category: Source, owner: Custom, provider: Git, version: '1' }
        configuration: { RepositoryUrl: ${JSON.stringify(repository)}, BranchName: main }
        outputArtifacts: [{ name: SourceOutput }]
  - name: Build
    actions:
      - name: Nothing
        actionTypeId: { category: Compute, owner: AWS, provider: Commands, version: '1' }
        commands: ['true']
        inputArtifacts: [{ name: SourceOutput }]
`;

interface Phases {
  /** Process start → the first action's "started" line. */
  firstActionMs: number;
  /** The last stage's "succeeded" line → the process's exit. */
  shutdownMs: number;
  wallMs: number;
}

function phases(run: ProcessRun): Phases {
  if (!run.stdout.includes('startup: succeeded')) throw new Error(`sluice run did not succeed:\n${run.stdout}\n${run.stderr}`);
  const at = (pattern: RegExp) => {
    const line = run.stdoutLines.find(({ text }) => pattern.test(text));
    if (!line) throw new Error(`sluice run printed no line matching ${pattern}:\n${run.stdout}`);
    return line.atMs;
  };
  return { firstActionMs: at(/^\s+Source\/Checkout: started/), shutdownMs: run.ms - at(/^\s+Build: succeeded/), wallMs: run.ms };
}

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await withTempDir('startup', async (root) => {
    const repository = path.join(root, 'repository');
    await mkdir(repository);
    await writeFile(path.join(repository, 'README.md'), 'A repository to check out.\n');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repository, stdio: 'pipe' });
    git('init', '--quiet', '--initial-branch', 'main');
    git('add', '.');
    git('-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'commit', '--quiet', '-m', 'A commit');
    const pipelineFile = path.join(root, 'startup.pipeline.yml');
    await writeFile(pipelineFile, pipelineDeclaration(repository));
    const sluiceRun = async (dataDir: string) =>
      phases(await runProcessOrThrow(process.execPath, [CLI, 'run', pipelineFile, '--quiet', '--data-dir', dataDir]));
    const usedDataDir = path.join(root, 'used');
    // Unmeasured: the first run fills the used data dir (its table, bucket and pipeline), and warms the compile cache.
    await sluiceRun(usedDataDir);

    const runs: { fresh: Phases[]; used: Phases[]; node: number[] } = { fresh: [], used: [], node: [] };
    for (let index = 0; index < MEASURED_RUNS; index += 1) {
      runs.node.push((await runProcessOrThrow(process.execPath, ['-e', '0'])).ms);
      runs.fresh.push(await sluiceRun(path.join(root, `fresh-${index}`)));
      runs.used.push(await sluiceRun(usedDataDir));
    }
    const ms = (values: number[]) => fixed(median(values), 0);
    const row = (label: string, list: Phases[]) => [
      label,
      ms(list.map((run) => run.firstActionMs)),
      ms(list.map((run) => run.shutdownMs)),
      ms(list.map((run) => run.wallMs)),
      list.map((run) => fixed(run.firstActionMs, 0)).join(', '),
    ];
    printSection(
      `\`sluice run --quiet\` of a Git source and one Commands action doing nothing (median of ${MEASURED_RUNS}, alternating)`,
      markdownTable(
        ['run', 'start → first action started, ms', 'last stage → exit, ms', 'wall time, ms', 'all first-action times, ms'],
        [
          row('in a fresh data dir', runs.fresh),
          row('in a data dir used before', runs.used),
          ['baseline: `node -e 0`, the floor under any Node program', '', '', ms(runs.node), runs.node.map((value) => fixed(value, 0)).join(', ')],
        ],
      ),
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
