import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPipeline, killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { commandsOnSource, gitSourceStage } from '../support/declarations';

jest.setTimeout(60_000);

let dataDir: string;
let repositoryDir: string;
let serve: RunningCli | undefined;

/** Commits a change in the test repository; returns the hook's output (git sends it to stderr) and the new commit. */
function commitChange(file: string, content: string): { output: string; commit: string } {
  writeFileSync(path.join(repositoryDir, file), content);
  const committed = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-am', `change ${file}`], {
    cwd: repositoryDir,
    encoding: 'utf8',
  });
  expect(committed.status).toBe(0);
  return { output: committed.stdout + committed.stderr, commit: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repositoryDir }).toString().trim() };
}

/** The execution as the loopback execution page gives it, once it has ended. */
async function finishedExecution(
  webhookUrl: string,
  executionId: string,
): Promise<{ execution: { status: string; trigger: unknown; sourceRevisions: unknown } }> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const detail = (await (await fetch(new URL(`/executions/${executionId}`, webhookUrl))).json()) as {
      execution: { status: string; trigger: unknown; sourceRevisions: unknown };
    };
    if (detail.execution.status !== 'InProgress') return detail;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Execution ${executionId} did not end. sluice serve printed:\n${serve?.output()}`);
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-hook-'));
  repositoryDir = gitRepository({ 'app.txt': 'first' }).dir;
  createPipeline(dataDir, {
    name: 'hooked',
    pipelineType: 'V2',
    stages: [gitSourceStage(repositoryDir), { name: 'Build', actions: [commandsOnSource('Show', ['cat app.txt'])] }],
  });
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe('sluice hook install', () => {
  it('refuses a path that is not a git repository', () => {
    const installed = sluice(['hook', 'install', mkdtempSync(path.join(tmpdir(), 'sluice-not-git-')), '--pipeline', 'hooked', '--data-dir', dataDir]);

    expect(installed.code).toBe(2);
    expect(installed.stderr).toMatch(/not a git working tree/);
  });

  it('refuses to replace a post-commit hook it did not write, unless --force', () => {
    const other = gitRepository({ 'a.txt': 'a' }).dir;
    const hook = path.join(other, '.git/hooks/post-commit');
    writeFileSync(hook, '#!/bin/sh\necho mine\n', { mode: 0o755 });

    const refused = sluice(['hook', 'install', other, '--pipeline', 'hooked', '--data-dir', dataDir]);
    expect(refused.code).toBe(2);
    expect(readFileSync(hook, 'utf8')).toContain('echo mine');

    expect(sluice(['hook', 'install', other, '--pipeline', 'hooked', '--data-dir', dataDir, '--force']).code).toBe(0);
    expect(readFileSync(hook, 'utf8')).toContain('hook');
  });

  it('installs an executable post-commit hook that says so when no sluice serve runs, and lets the commit through', () => {
    const installed = sluice(['hook', 'install', repositoryDir, '--pipeline', 'hooked', '--data-dir', dataDir]);
    expect(installed.code).toBe(0);
    expect(statSync(path.join(repositoryDir, '.git/hooks/post-commit')).mode & 0o111).not.toBe(0);

    const { output } = commitChange('app.txt', 'no serve');

    expect(output).toContain(`sluice: no sluice serve is running on ${dataDir}; hooked was not started.`);
  });

  it('starts the pipeline on a running sluice serve, pinned to the new commit', async () => {
    serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
    const webhookUrl = (await serve.waitFor(/GitHub webhook: (http\S+)/))[1]!;

    const { output, commit } = commitChange('app.txt', 'committed');

    const executionId = /sluice: started hooked execution (\S+) at/.exec(output)?.[1];
    expect(executionId).toBeDefined();
    const { execution } = await finishedExecution(webhookUrl, executionId!);
    expect(execution).toMatchObject({
      status: 'Succeeded',
      trigger: { triggerType: 'WebhookV2', triggerDetail: expect.stringContaining(`@${commit}`) },
      sourceRevisions: [{ actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: commit }],
    });
    expect(JSON.parse(sluice(['executions', 'hooked', '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries).toHaveLength(1);
  });
});
