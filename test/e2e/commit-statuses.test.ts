import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import examples from '@octokit/webhooks-examples';
import { createPipeline, killStartedSluice, startSluice, type RunningCli } from '../support/cli';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { gitRepository } from '../support/git-repository';
import { deliverSigned, serveWithGitHub } from '../support/github-delivery';
import { commandsOnSource, gitSourceStage } from '../support/declarations';

jest.setTimeout(60_000);

const TOKEN = 'ghp_sluice-test-token';
let dataDir: string;
let serve: RunningCli;
let github: FakeGitHub;
let webhookUrl: string;
let secret: string;
let repositoryDir: string;
let commit: string;

/** GitHub's example push to master, retold as a push of the test repository's commit to `branch`. */
function pushPayload(branch: string): string {
  const example = (examples.find((definition) => definition.name === 'push')!.examples as Record<string, unknown>[]).find(
    (payload) => payload.ref === 'refs/heads/master',
  )!;
  return JSON.stringify({
    ...example,
    ref: `refs/heads/${branch}`,
    after: commit,
    repository: { ...(example.repository as object), full_name: 'sluice-test/app', clone_url: `file://${repositoryDir}` },
  });
}

const deliver = (body: string) => deliverSigned(webhookUrl, secret, 'push', body);

beforeAll(async () => {
  github = await startFakeGitHub(TOKEN);
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-statuses-'));
  ({ dir: repositoryDir, commit } = gitRepository({ 'app.txt': 'pushed' }));
  createPipeline(dataDir, {
    name: 'checked',
    pipelineType: 'V2',
    stages: [gitSourceStage(repositoryDir), { name: 'Build', actions: [commandsOnSource('Show', ['cat app.txt'])] }],
  });
  ({ serve, webhookUrl, secret } = await serveWithGitHub(dataDir, github.apiUrl, TOKEN));
});

afterAll(async () => {
  await serve.interrupt();
  killStartedSluice();
  await github.close();
});

describe('GitHub commit statuses under sluice serve', () => {
  it('does not say that statuses are off when a token is set', () => {
    expect(serve.output()).not.toContain('Commit statuses: off');
  });

  it('reports pending, then success, with the token and a link to the execution, for a push that runs', async () => {
    const delivered = await deliver(pushPayload('main'));
    expect(delivered.status).toBe(202);
    const [started] = delivered.body.started as { pipelineExecutionId: string }[];

    const [pending, success] = await github.waitForStatuses(2);

    const executionPage = new URL(`/executions/${started!.pipelineExecutionId}`, webhookUrl).href;
    expect(pending).toEqual({
      repository: 'sluice-test/app',
      sha: commit,
      authorization: `Bearer ${TOKEN}`,
      body: { state: 'pending', context: 'sluice/checked', description: 'Running', target_url: executionPage },
    });
    expect(success).toEqual({
      repository: 'sluice-test/app',
      sha: commit,
      authorization: `Bearer ${TOKEN}`,
      body: { state: 'success', context: 'sluice/checked', description: 'Succeeded', target_url: executionPage },
    });
  });

  it('reports a skipped push as success saying why, so a required check does not hang', async () => {
    const delivered = await deliver(pushPayload('dev'));
    expect(delivered.body.started).toEqual([]);

    const [, , skipped] = await github.waitForStatuses(3);

    expect(skipped).toEqual({
      repository: 'sluice-test/app',
      sha: commit,
      authorization: `Bearer ${TOKEN}`,
      body: { state: 'success', context: 'sluice/checked', description: 'Skipped: branch dev is not main, the branch of source action Checkout' },
    });
  });
});

describe('sluice serve without a GitHub token', () => {
  it('says at start that it reports no commit statuses', async () => {
    const quietDir = mkdtempSync(path.join(tmpdir(), 'sluice-statuses-off-'));
    const off = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', quietDir], { env: { SLUICE_GITHUB_TOKEN: '' } });
    await off.waitFor(/GitHub webhook:/);
    expect(off.output()).toContain('Commit statuses: off');
    await off.interrupt();
  });
});
