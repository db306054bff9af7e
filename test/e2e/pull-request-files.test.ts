import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import examples from '@octokit/webhooks-examples';
import { createPipeline, finishedExecution, killStartedSluice, sluice } from '../support/cli';
import { commandsOnSource } from '../support/declarations';
import { startFakeGitHub, type FakeGitHub } from '../support/fake-github';
import { gitRepository } from '../support/git-repository';
import { deliverSigned, serveWithGitHub, type ServedWebhook } from '../support/github-delivery';

jest.setTimeout(60_000);

const TOKEN = 'ghp_sluice-test-token';
let dataDir: string;
let github: FakeGitHub;
let served: ServedWebhook;
/** The head commit of every pull request delivered. */
let commit: string;

/** GitHub's example of an opened pull request, retold as pull request `number` of octo/app from `commit` into main. */
function pullRequestPayload(number: number): string {
  const example = (examples.find((definition) => definition.name === 'pull_request')!.examples as Record<string, unknown>[]).find(
    (payload) => payload.action === 'opened',
  )!;
  const pullRequest = example.pull_request as Record<string, Record<string, unknown>>;
  return JSON.stringify({
    ...example,
    number,
    pull_request: { ...pullRequest, number, head: { ...pullRequest.head, ref: 'feature', sha: commit }, base: { ...pullRequest.base, ref: 'main' } },
    repository: { ...(example.repository as object), full_name: 'octo/app' },
  });
}

async function deliver(body: string) {
  const delivered = await deliverSigned(served.webhookUrl, served.secret, 'pull_request', body);
  return delivered as { status: number; body: { started: { pipelineExecutionId: string }[]; skipped: unknown[] } };
}

beforeAll(async () => {
  github = await startFakeGitHub(TOKEN);
  const repository = gitRepository({ 'src/app.txt': 'from the pull request' });
  commit = repository.commit;
  github.addRepository('octo/app', repository.dir);
  github.addPullRequest('octo/app', 1, [{ filename: 'docs/guide.md' }]);
  github.addPullRequest('octo/app', 2, [{ filename: 'docs/guide.md' }, { filename: 'src/app.txt' }]);
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-pr-files-'));
  createPipeline(dataDir, {
    name: 'src-changes',
    pipelineType: 'V2',
    triggers: [
      {
        providerType: 'CodeStarSourceConnection',
        gitConfiguration: {
          sourceActionName: 'App',
          pullRequest: [{ events: ['OPEN'], branches: { includes: ['main'] }, filePaths: { includes: ['src/**'] } }],
        },
      },
    ],
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'App',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
            configuration: { ConnectionArn: 'arn:aws:codeconnections:us-east-1:123456789012:connection/abc', FullRepositoryId: 'octo/app', BranchName: 'main' },
            outputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
      { name: 'Build', actions: [commandsOnSource('Show', ['cat src/app.txt'])] },
    ],
  });
  served = await serveWithGitHub(dataDir, github.apiUrl, TOKEN);
});

afterAll(async () => {
  await served.serve.interrupt();
  killStartedSluice();
  await github.close();
});

describe("a pull request's changed files under sluice serve", () => {
  it('skips a pipeline filtering on src/** for a pull request that changes only docs/', async () => {
    const delivered = await deliver(pullRequestPayload(1));

    expect(delivered.status).toBe(202);
    expect(delivered.body).toMatchObject({
      started: [],
      skipped: [{ pipelineName: 'src-changes', reason: 'no changed file passes filePaths (docs/guide.md)' }],
    });
    expect(github.fileListings).toEqual(['/repos/octo/app/pulls/1/files?per_page=100']);
  });

  it("starts it, pinned to the pull request's head, for a pull request that changes a file under src/", async () => {
    const delivered = await deliver(pullRequestPayload(2));

    expect(delivered.body.skipped).toEqual([]);
    const [started] = delivered.body.started;
    const { execution } = await finishedExecution(served.serve, served.webhookUrl, started!.pipelineExecutionId);
    expect(execution.status).toBe('Succeeded');
    expect(execution.sourceRevisions).toEqual([{ actionName: 'App', revisionType: 'COMMIT_ID', revisionValue: commit }]);
    expect(sluice(['logs', execution.pipelineExecutionId, '--action', 'Show', '--data-dir', dataDir]).stdout).toContain('from the pull request');
  });
});
