/**
 * `npm run docs:screenshots`: the console's pictures in docs/, taken in Debian's Chromium from a
 * real run under `sluice serve`, driven through the console as a person drives it: the pipelines
 * list, the pipeline view while an approval waits, an action's detail with its log, and an
 * execution's timeline.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ActionDeclaration, PipelineDeclaration } from '../lib/core/declaration';
import { withServe } from '../bench/support/sluice-serve';
import { launchConsoleBrowser } from '../test/support/console-browser';
import { commandsOnSource, gitSourceStage } from '../test/support/declarations';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(PROJECT_ROOT, 'dist', 'sluice.cjs');
const DOCS = path.join(PROJECT_ROOT, 'docs');
/** Long enough for a card to be seen running. */
const PATIENCE = { timeout: 120_000 };

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'pipe' });

function repository(dir: string): void {
  git(dir, 'init', '-q');
  writeFileSync(path.join(dir, 'index.html'), '<h1>Release notes</h1>\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'Add the release notes page');
}

/** A Commands action on the source, in the given runOrder group. */
const commands = (name: string, lines: string[], runOrder = 1): ActionDeclaration => ({ ...commandsOnSource(name, lines), runOrder });

/** A second pipeline, whose build fails, so that the list shows more than one outcome. */
function failingPipeline(repositoryDir: string): PipelineDeclaration {
  return {
    name: 'docs-site',
    pipelineType: 'V2',
    stages: [gitSourceStage(repositoryDir), { name: 'Build', actions: [commands('Links', ['echo "Checking links"', 'test -f missing-page.html'])] }],
  };
}

function pipeline(repositoryDir: string): PipelineDeclaration {
  return {
    name: 'webapp',
    pipelineType: 'V2',
    variables: [{ name: 'Environment', defaultValue: 'staging', description: 'Where Deploy puts the site' }],
    stages: [
      gitSourceStage(repositoryDir),
      {
        name: 'Build',
        actions: [
          commands('Test', ['echo "Running 42 tests"', 'sleep 2', 'echo "42 passed, 0 failed"']),
          commands('Lint', ['echo "Checking index.html"', 'echo "No problems"']),
          commands('Package', ['mkdir -p site', 'cp index.html site/', 'ls -l site'], 2),
        ],
      },
      { name: 'Review', actions: [{ name: 'Sign-off', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
      { name: 'Deploy', actions: [commands('Publish', ['echo "Publishing the site to #{variables.Environment}"', 'sleep 1', 'echo "Done"'])] },
    ],
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'sluice-screenshots-'));
  try {
    const repositoryDir = path.join(work, 'repository');
    mkdirSync(repositoryDir);
    repository(repositoryDir);
    const dataDir = path.join(work, 'data');
    for (const declaration of [pipeline(repositoryDir), failingPipeline(repositoryDir)]) {
      const file = path.join(work, `${declaration.name}.json`);
      writeFileSync(file, JSON.stringify(declaration));
      execFileSync(process.execPath, [CLI, 'create-pipeline', file, '--data-dir', dataDir], { stdio: 'pipe' });
    }

    await withServe(CLI, dataDir, async () => {
      const link = execFileSync(process.execPath, [CLI, 'console', '--no-open', '--data-dir', dataDir], { encoding: 'utf8' }).trim();
      const browser = await launchConsoleBrowser({ width: 1440, height: 900 });
      try {
        const { page } = browser;
        const shot = (name: string) => page.screenshot({ path: path.join(DOCS, name), fullPage: true });
        const confirm = async (button: string) => {
          const dialog = page.getByRole('dialog');
          await dialog.getByRole('button', { name: button, exact: true }).click();
          await dialog.waitFor({ state: 'detached' });
        };
        execFileSync(process.execPath, [CLI, 'start-pipeline-execution', 'docs-site', '--data-dir', dataDir], { stdio: 'pipe' });
        await page.goto(link);
        await page.getByRole('link', { name: 'webapp' }).click();
        await page.getByRole('button', { name: 'Start execution' }).click();
        await confirm('Start');
        await page.locator('[data-action="Review/Sign-off"] [data-status="WaitingForApproval"]').waitFor(PATIENCE);
        await shot('console-pipeline.png');

        await page.locator('[data-action="Review/Sign-off"]').getByRole('button', { name: 'Approve' }).click();
        await page.getByRole('dialog').getByLabel('Comment').fill('Release notes read well');
        await confirm('Approve');
        await page.locator('[data-action="Deploy/Publish"] [data-status="Succeeded"]').waitFor(PATIENCE);

        await page.getByRole('link', { name: 'Sluice' }).click();
        await page.locator('[data-pipeline="webapp"] [data-status="Succeeded"]').waitFor();
        await page.locator('[data-pipeline="docs-site"] [data-status="Failed"]').waitFor(PATIENCE);
        await page.setViewportSize({ width: 1440, height: 400 });
        await shot('console-pipelines.png');
        await page.setViewportSize({ width: 1440, height: 900 });

        await page.getByRole('link', { name: 'webapp' }).click();
        await page.locator('[data-action="Build/Test"]').getByRole('link', { name: 'Test' }).click();
        await page.locator('pre.log').getByText('42 passed').waitFor(PATIENCE);
        await shot('console-action.png');

        await page.getByRole('link', { name: /^Execution / }).click();
        await page.locator('svg.timeline').waitFor();
        await shot('console-timeline.png');
        if (browser.errors.length > 0) throw new Error(`The pages logged errors:\n${browser.errors.join('\n')}`);
      } finally {
        await browser.close();
      }
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
