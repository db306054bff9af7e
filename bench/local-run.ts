/**
 * A local run of a small repository's pipeline, four ways, whole processes each: `sluice run` cold
 * (a new process that starts the embedded stack), `sluice run` handed to a running `sluice serve`,
 * bench/local-run-baseline.sh doing the same work by hand, and gitlab-ci-local (shell executor)
 * running the same jobs from a .gitlab-ci.yml.
 *
 * The repository has a few hundred small files and a git remote; the pipeline clones it, builds
 * (a copy of every module and a bundle), runs two checks in parallel and deploys the site to S3
 * (a directory for bash and gitlab-ci-local).
 *
 * gitlab-ci-local 4 needs Node 22 and rsync: both are installed on first use, Node 22 as
 * .ci/with-node22.sh installs it, gitlab-ci-local under node_modules/.cache/gitlab-ci-local.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { commandsActionParts } from './support/commands-parts';
import { measureFloors } from './support/local-run-floors';
import { describeMachine } from './support/machine';
import { runProcessOrThrow, type ProcessRun } from './support/run-process';
import { withServe } from './support/sluice-serve';
import { fixed, median } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

const MEASURED_RUNS = 5;
const MODULES = 380;
const ASSETS = 20;
const COLD_TARGET = 1.25;
const WARM_TARGET = 1.1;
/** The bundle runs from dist/bench/, two levels below the repository. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(PROJECT_ROOT, 'dist', 'sluice.cjs');
const BASELINE_SCRIPT = path.join(PROJECT_ROOT, 'bench', 'local-run-baseline.sh');
const GITLAB_CI_LOCAL_PREFIX = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'gitlab-ci-local');
const STAGES = ['Source', 'Build', 'Test', 'Deploy'] as const;

/** What the site check runs, the same in all four. */
const SITE_CHECK = `test -f dist/index.html && grep -q "version $COMMIT_ID" dist/index.html && test "$(ls dist/modules | wc -l)" -eq ${MODULES}`;

const BUILD_SCRIPT = `set -e
rm -rf dist
mkdir -p dist/modules dist/assets
cp src/*.js dist/modules/
cp assets/* dist/assets/
cat src/*.js > dist/bundle.js
printf '<html><body>version %s</body></html>\\n' "$COMMIT_ID" > dist/index.html
`;

/** Every module exports its function. */
const LINT_SCRIPT = `set -e
missing=$(grep -L "^export function" src/*.js || true)
test -z "$missing"
`;

const GITLAB_CI = `stages: [build, test, deploy]
build:
  stage: build
  script:
    - COMMIT_ID=$CI_COMMIT_SHA sh build.sh
  artifacts:
    paths: [dist/]
site-check:
  stage: test
  script:
    - export COMMIT_ID=$CI_COMMIT_SHA
    - '${SITE_CHECK}'
lint:
  stage: test
  script:
    - sh checks/lint.sh
deploy:
  stage: deploy
  script:
    - mkdir -p "$SITE_DIR" && cp -r dist/. "$SITE_DIR/"
`;

const pipelineDeclaration = (repository: string) => `name: localrun
pipelineType: V2
executionMode: QUEUED
stages:
  - name: Source
    actions:
      - name: Checkout
        actionTypeId: { category: Source, owner: Custom, provider: Git, version: '1' }
        configuration: { RepositoryUrl: ${JSON.stringify(repository)}, BranchName: main }
        outputArtifacts: [{ name: SourceOutput }]
        namespace: SourceVariables
  - name: Build
    actions:
      - name: Site
        actionTypeId: { category: Compute, owner: AWS, provider: Commands, version: '1' }
        commands: ['COMMIT_ID=#{SourceVariables.CommitId} sh build.sh']
        inputArtifacts: [{ name: SourceOutput }]
        outputArtifacts: [{ name: SiteOutput, files: ['dist/**/*'] }]
  - name: Test
    actions:
      - name: SiteCheck
        actionTypeId: { category: Compute, owner: AWS, provider: Commands, version: '1' }
        runOrder: 1
        commands: ['export COMMIT_ID=#{SourceVariables.CommitId}', ${JSON.stringify(SITE_CHECK)}]
        inputArtifacts: [{ name: SiteOutput }]
      - name: Lint
        actionTypeId: { category: Compute, owner: AWS, provider: Commands, version: '1' }
        runOrder: 1
        commands: ['sh checks/lint.sh']
        inputArtifacts: [{ name: SourceOutput }]
  - name: Deploy
    actions:
      - name: Website
        actionTypeId: { category: Deploy, owner: AWS, provider: S3, version: '1' }
        configuration: { BucketName: localrun-site, Extract: 'true' }
        inputArtifacts: [{ name: SiteOutput }]
`;

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' }).toString().trim();

/** A repository of MODULES small modules and ASSETS small files, pushed to a bare remote beside it. */
async function makeRepository(root: string): Promise<{ repository: string; remote: string }> {
  const repository = path.join(root, 'repository');
  const remote = path.join(root, 'remote.git');
  await mkdir(path.join(repository, 'src'), { recursive: true });
  await mkdir(path.join(repository, 'assets'));
  await mkdir(path.join(repository, 'checks'));
  for (let index = 0; index < MODULES; index += 1) {
    const name = `module${String(index).padStart(3, '0')}`;
    const body = Array.from({ length: 12 }, (_, line) => `  const step${line} = input * ${line + index} + ${line};`).join('\n');
    await writeFile(path.join(repository, 'src', `${name}.js`), `export function ${name}(input) {\n${body}\n  return step11;\n}\n`);
  }
  for (let index = 0; index < ASSETS; index += 1) {
    await writeFile(
      path.join(repository, 'assets', `style${index}.css`),
      `.block-${index} { margin: ${index}px; color: #${String(index).padStart(6, '0')}; }\n`.repeat(20),
    );
  }
  await writeFile(path.join(repository, 'build.sh'), BUILD_SCRIPT);
  await writeFile(path.join(repository, 'checks', 'lint.sh'), LINT_SCRIPT);
  await writeFile(path.join(repository, '.gitlab-ci.yml'), GITLAB_CI);
  // gitlab-ci-local writes its state beside the jobs; it is not part of the repository.
  await writeFile(path.join(repository, '.gitignore'), '.gitlab-ci-local/\ndist/\n');
  git(root, 'init', '--quiet', '--bare', '--initial-branch', 'main', remote);
  git(repository, 'init', '--quiet', '--initial-branch', 'main');
  git(repository, 'add', '.');
  git(repository, '-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', 'commit', '--quiet', '-m', 'A small site');
  git(repository, 'remote', 'add', 'origin', remote);
  git(repository, 'push', '--quiet', 'origin', 'main');
  return { repository, remote };
}

/** `node` of Node 22, installed as .ci/with-node22.sh installs it, and gitlab-ci-local 4 beside the project. */
function gitlabCiLocal(): { node: string; script: string } {
  const node = execFileSync('bash', [path.join(PROJECT_ROOT, '.ci', 'with-node22.sh'), 'sh', '-c', 'command -v node'])
    .toString()
    .trim();
  const script = path.join(GITLAB_CI_LOCAL_PREFIX, 'node_modules', 'gitlab-ci-local', 'dist', 'index.js');
  if (!existsSync(script)) {
    execFileSync('npm', ['install', '--prefix', GITLAB_CI_LOCAL_PREFIX, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', 'gitlab-ci-local@4'], {
      stdio: 'inherit',
    });
  }
  try {
    execFileSync('rsync', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('gitlab-ci-local needs rsync: install it (apt-get install -y rsync) and run the benchmark again.');
  }
  return { node, script };
}

interface TimedRun {
  ms: number;
  /** Sluice's stage times from its progress lines, when it is Sluice. */
  stages: Map<string, number>;
  /** When the first action started, in ms after the process started. */
  startupMs?: number;
}

function sluiceRun(run: ProcessRun): TimedRun {
  if (!run.stdout.includes('localrun: succeeded')) throw new Error(`sluice run did not succeed:\n${run.stdout}\n${run.stderr}`);
  const stages = new Map<string, number>();
  for (const match of run.stdout.matchAll(/^\s+([^\s:/]+): succeeded in ([\d.]+)s$/gm)) stages.set(match[1]!, Number(match[2]) * 1000);
  const started = run.stdoutLines.find(({ text }) => /^\s+Source\/Checkout: started/.test(text));
  return { ms: run.ms, stages, startupMs: started?.atMs };
}

async function checkDeployed(site: string): Promise<void> {
  const modules = await readdir(path.join(site, 'modules'));
  if (modules.length !== MODULES) throw new Error(`${site} has ${modules.length} modules, not ${MODULES}`);
}

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await stat(CLI).catch(() => {
    throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm run bench\` does).`);
  });
  const gcl = gitlabCiLocal();
  await withTempDir('local-run', async (root) => {
    const { repository, remote } = await makeRepository(root);
    const pipelineFile = path.join(root, 'localrun.pipeline.yml');
    await writeFile(pipelineFile, pipelineDeclaration(repository));
    const dataDir = path.join(root, 'data');
    const runSluice = async () => sluiceRun(await runProcessOrThrow(process.execPath, [CLI, 'run', pipelineFile, '--quiet', '--data-dir', dataDir]));
    const runBash = async (index: number) => {
      const work = path.join(root, `bash-${index}`);
      const run = await runProcessOrThrow('bash', [BASELINE_SCRIPT, remote, work]);
      await checkDeployed(path.join(work, 'site'));
      await rm(work, { recursive: true, force: true });
      return { ms: run.ms, stages: new Map() };
    };
    /** A fresh clone for a cold run; the same clone, with gitlab-ci-local's state from the last run, for a warm one. */
    const runGitlabCiLocal = async (clone: string, fresh: boolean) => {
      if (fresh) {
        await rm(clone, { recursive: true, force: true });
        git(root, 'clone', '--quiet', remote, clone);
      }
      const site = path.join(root, 'gcl-site');
      await rm(site, { recursive: true, force: true });
      const run = await runProcessOrThrow(gcl.node, [gcl.script, '--variable', `SITE_DIR=${site}`], { cwd: clone });
      await checkDeployed(site);
      return { ms: run.ms, stages: new Map() };
    };

    // Unmeasured: the first run registers the pipeline and creates the bucket; gitlab-ci-local's first run warms its clone.
    const first = await runSluice();
    const warmClone = path.join(root, 'gcl-warm');
    await runGitlabCiLocal(warmClone, true);

    const runs: Record<'sluice' | 'bash' | 'gclCold' | 'gclWarm' | 'served', TimedRun[]> = { sluice: [], bash: [], gclCold: [], gclWarm: [], served: [] };
    for (let index = 0; index < MEASURED_RUNS; index += 1) {
      runs.sluice.push(await runSluice());
      runs.bash.push(await runBash(index));
      runs.gclCold.push(await runGitlabCiLocal(path.join(root, 'gcl-cold'), true));
      runs.gclWarm.push(await runGitlabCiLocal(warmClone, false));
    }
    await withServe(CLI, dataDir, async () => {
      await runSluice();
      for (let index = 0; index < MEASURED_RUNS; index += 1) {
        runs.served.push(await runSluice());
        runs.bash.push(await runBash(MEASURED_RUNS + index));
      }
    });

    // One more cold run, not in the medians, whose records and logs tell where each Commands action's time goes.
    const recorded = await runProcessOrThrow(process.execPath, [CLI, 'run', pipelineFile, '--json', '--data-dir', dataDir]);
    const executionId = (JSON.parse(recorded.stdout) as { execution: { pipelineExecutionId: string } }).execution.pipelineExecutionId;
    const logs = await runProcessOrThrow(process.execPath, [CLI, 'logs', executionId, '--json', '--data-dir', dataDir]);
    const commandsParts = commandsActionParts(recorded.stdout, logs.stdout);

    const medianMs = (list: TimedRun[]) => median(list.map((run) => run.ms));
    const seconds = (ms: number) => fixed(ms / 1000, 2);
    const all = (list: TimedRun[]) => list.map((run) => seconds(run.ms)).join(', ');
    const bash = medianMs(runs.bash);
    const ratio = (list: TimedRun[]) => medianMs(list) / bash;
    const coldRatio = ratio(runs.sluice);
    const servedRatio = ratio(runs.served);
    printSection(
      `A local run of a ${MODULES + ASSETS + 4}-file repository (median of ${MEASURED_RUNS}, alternating; bash's median is over all ${runs.bash.length} of its runs)`,
      markdownTable(
        ['path', 'wall time, s', 'ratio to bash', 'all runs, s'],
        [
          ['bash script doing the same work (`bench/local-run-baseline.sh`)', seconds(bash), '1.00', all(runs.bash)],
          [
            '`sluice run --quiet`, cold (a new process and embedded stack; data dir reused)',
            seconds(medianMs(runs.sluice)),
            `**${fixed(coldRatio, 2)}** ${verdict(coldRatio <= COLD_TARGET)} (≤ ${COLD_TARGET})`,
            all(runs.sluice),
          ],
          [
            '`sluice run --quiet` handed to a running `sluice serve`',
            seconds(medianMs(runs.served)),
            `**${fixed(servedRatio, 2)}** ${verdict(servedRatio <= WARM_TARGET)} (≤ ${WARM_TARGET})`,
            all(runs.served),
          ],
          ['gitlab-ci-local 4, shell executor, fresh clone', seconds(medianMs(runs.gclCold)), fixed(ratio(runs.gclCold), 2), all(runs.gclCold)],
          ['gitlab-ci-local 4, shell executor, same clone again', seconds(medianMs(runs.gclWarm)), fixed(ratio(runs.gclWarm), 2), all(runs.gclWarm)],
          ['first `sluice run`, which registered the pipeline (not in the medians)', seconds(first.ms), '', ''],
        ],
      ),
    );
    const stageMedian = (list: TimedRun[], stage: string) => seconds(median(list.map((run) => run.stages.get(stage) ?? 0)));
    printSection(
      'Where Sluice spends it (medians; stage times from its progress lines, to 0.1 s)',
      markdownTable(
        ['part', 'cold, s', 'handed to serve, s'],
        [
          [
            'start-up (process start → first action starts)',
            ...[runs.sluice, runs.served].map((list) => seconds(median(list.map((run) => run.startupMs ?? 0)))),
          ],
          ...STAGES.map((stage) => [stage, stageMedian(runs.sluice, stage), stageMedian(runs.served, stage)]),
        ],
      ),
    );
    printSection(
      'Where each Commands action spends its time (one more cold run; from its record and its "[Container]" log lines, ms)',
      markdownTable(
        [
          'action',
          'prepare: inputs fetched and unpacked, buildspec read, shell started',
          'its commands',
          'UPLOAD_ARTIFACTS',
          'complete: output zipped and stored, log and record',
          'whole action',
        ],
        commandsParts.map((part) => [
          part.action,
          ...[part.prepareMs, part.commandsMs, part.uploadArtifactsMs, part.completeMs, part.totalMs].map((ms) => fixed(ms, 0)),
        ]),
      ),
    );
    printSection(
      'The floors: each part on its own, as Sluice does it and as the bash script does (medians of 5, ms)',
      markdownTable(['part', 'Sluice', 'bash'], await measureFloors({ root, remote, repository, cli: CLI })),
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
