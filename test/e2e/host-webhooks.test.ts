import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { createPipeline, finishedExecution, killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';
import { commandsOnSource } from '../support/declarations';
import { fakeHostsEnvironment, startFakeBitbucket, startFakeGitLab, type FakeHost } from '../support/fake-git-hosts';
import { commitChanges, gitRepository } from '../support/git-repository';
import { bitbucketHeaders, gitLabHeaders, webhookExample } from '../support/webhook-examples';

jest.setTimeout(90_000);

const BITBUCKET_TOKEN = 'bb-access-token';
const GITLAB_TOKEN = 'glpat-sluice-test-token';
const connection = (id: string) => `arn:aws:codeconnections:us-east-1:123456789012:connection/${id}`;

let dataDir: string;
let serve: RunningCli;
let serveUrl: string;
let bitbucket: FakeHost;
let gitlab: FakeHost;
let secrets: { bitbucket: string; gitlab: string };
/** main's history: the first commit, one that changes docs/ only, then one that changes src/. */
let first: string;
let docsCommit: string;
let srcCommit: string;

/** A pipeline whose source reads `repository`'s main through `connectionId`, with `triggers` if given, and prints src/app.txt. */
function declare(name: string, connectionId: string, repository: string, triggers?: PipelineDeclaration['triggers']) {
  createPipeline(dataDir, {
    name,
    pipelineType: 'V2',
    ...(triggers ? { triggers } : {}),
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'App',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
            configuration: { ConnectionArn: connection(connectionId), FullRepositoryId: repository, BranchName: 'main' },
            outputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
      { name: 'Build', actions: [commandsOnSource('Show', ['cat src/app.txt'])] },
    ],
  });
}

const onSrcPullRequests: PipelineDeclaration['triggers'] = [
  {
    providerType: 'CodeStarSourceConnection',
    gitConfiguration: { sourceActionName: 'App', pullRequest: [{ events: ['OPEN'], branches: { includes: ['main'] }, filePaths: { includes: ['src/**'] } }] },
  },
];

type Answer = {
  status: number;
  body: { started?: { pipelineName: string; pipelineExecutionId: string }[]; skipped?: { pipelineName: string; reason: string }[]; message?: string };
};

/** POSTs a delivery on a connection of its own: the tests wait longer between deliveries than the server keeps an idle connection. */
function post(host: 'bitbucket' | 'gitlab', headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = request(new URL(`webhooks/${host}`, serveUrl), { method: 'POST', headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) as Answer['body'] }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}

/** Bitbucket's documented repo:push, retold as a push of main in acme/app from `before` to `after`. */
function bitbucketPush(before: string, after: string): string {
  const example = webhookExample<{ repository: object; push: { changes: { new: { target: object }; old: { target: object } }[] } }>('bitbucket-repo-push.json');
  const [change] = example.push.changes;
  return JSON.stringify({
    ...example,
    repository: { ...example.repository, full_name: 'acme/app' },
    push: {
      changes: [
        {
          ...change,
          new: { ...change!.new, name: 'main', target: { ...change!.new.target, hash: after } },
          old: { ...change!.old, name: 'main', target: { ...change!.old.target, hash: before } },
        },
      ],
    },
  });
}

/** Bitbucket's documented pullrequest:created, retold as pull request `id` of acme/app from `head` into main. */
function bitbucketPullRequest(id: number, head: string): string {
  const example = webhookExample<{ repository: object; pullrequest: { source: object; destination: object } }>('bitbucket-pullrequest-created.json');
  return JSON.stringify({
    ...example,
    repository: { ...example.repository, full_name: 'acme/app' },
    pullrequest: {
      ...example.pullrequest,
      id,
      source: { ...example.pullrequest.source, branch: { name: 'feature' }, commit: { hash: head } },
      destination: { ...example.pullrequest.destination, branch: { name: 'main' } },
    },
  });
}

/** GitLab's documented Push Hook, retold as a push of main in acme/platform/app to `after`, listing its commits' files. */
function gitLabPush(after: string): string {
  const example = webhookExample<{ project: object; commits: unknown[] }>('gitlab-push-hook.json');
  return JSON.stringify({
    ...example,
    ref: 'refs/heads/main',
    after,
    project: { ...example.project, path_with_namespace: 'acme/platform/app' },
    total_commits_count: example.commits.length,
  });
}

/** GitLab's documented Merge Request Hook, retold as merge request `iid` of acme/platform/app from `head` into main. */
function gitLabMergeRequest(iid: number, head: string): string {
  const example = webhookExample<{ project: object; object_attributes: object }>('gitlab-merge-request-hook.json');
  return JSON.stringify({
    ...example,
    project: { ...example.project, path_with_namespace: 'acme/platform/app' },
    object_attributes: { ...example.object_attributes, iid, action: 'open', source_branch: 'feature', target_branch: 'main', last_commit: { id: head } },
  });
}

const executionCount = (pipeline: string) =>
  JSON.parse(sluice(['executions', pipeline, '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries.length;

beforeAll(async () => {
  const repository = gitRepository({ 'docs/guide.md': 'guide', 'src/app.txt': 'first' });
  first = repository.commit;
  docsCommit = commitChanges(repository.dir, { files: { 'docs/guide.md': 'guide, revised' } }, 'docs only');
  srcCommit = commitChanges(repository.dir, { files: { 'src/app.txt': 'from the change to src' } }, 'src');
  bitbucket = await startFakeBitbucket([`Bearer ${BITBUCKET_TOKEN}`]);
  gitlab = await startFakeGitLab(GITLAB_TOKEN);
  bitbucket.addRepository('acme/app', repository.dir);
  gitlab.addRepository('acme/platform/app', repository.dir);
  for (const host of [bitbucket, gitlab]) {
    host.addPullRequest(host === bitbucket ? 'acme/app' : 'acme/platform/app', 1, first, docsCommit);
    host.addPullRequest(host === bitbucket ? 'acme/app' : 'acme/platform/app', 2, docsCommit, srcCommit);
  }

  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-host-webhooks-'));
  writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ connections: { bb: { type: 'Bitbucket' }, gl: { type: 'GitLab' } } }));
  declare('bitbucket-main', 'bb', 'acme/app');
  declare('bitbucket-src', 'bb', 'acme/app', onSrcPullRequests);
  declare('gitlab-main', 'gl', 'acme/platform/app');
  declare('gitlab-src', 'gl', 'acme/platform/app', onSrcPullRequests);
  // The same owner/name on GitHub is another repository.
  declare('github-main', 'gh', 'acme/app');

  secrets = {
    bitbucket: sluice(['webhook-secret', '--host', 'bitbucket', '--data-dir', dataDir]).stdout.trim(),
    gitlab: sluice(['webhook-secret', '--host', 'gitlab', '--data-dir', dataDir]).stdout.trim(),
  };
  serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir], {
    env: { SLUICE_GITHUB_TOKEN: '', ...fakeHostsEnvironment(bitbucket, BITBUCKET_TOKEN, gitlab, GITLAB_TOKEN) },
  });
  const bitbucketUrl = (await serve.waitFor(/Bitbucket webhook: (http\S+)/))[1]!;
  serveUrl = new URL('/', bitbucketUrl).href;
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
  await bitbucket?.close();
  await gitlab?.close();
});

describe('webhook secrets', () => {
  it('are one for each host, kept apart from GitHub', () => {
    const github = sluice(['webhook-secret', '--data-dir', dataDir]).stdout.trim();
    expect(new Set([github, secrets.bitbucket, secrets.gitlab]).size).toBe(3);
    expect(sluice(['webhook-secret', '--host', 'gitea', '--data-dir', dataDir]).stderr).toContain('Allowed choices are github, bitbucket, gitlab');
  });
});

describe('POST /webhooks/bitbucket under sluice serve', () => {
  it('starts exactly the pipeline of the pushed repository and branch on Bitbucket, pinned to the pushed commit', async () => {
    const body = bitbucketPush(docsCommit, srcCommit);
    const delivered = await post('bitbucket', bitbucketHeaders('repo:push', body, secrets.bitbucket), body);

    expect(delivered.status).toBe(202);
    expect(delivered.body.started).toEqual([{ pipelineName: 'bitbucket-main', pipelineExecutionId: expect.any(String), sourceActionName: 'App' }]);
    expect(delivered.body.skipped).toContainEqual({
      pipelineName: 'github-main',
      reason: 'source action App reads GitHub, and the delivery comes from Bitbucket',
    });
    const { execution } = await finishedExecution(serve, serveUrl, delivered.body.started![0]!.pipelineExecutionId);
    expect(execution.status).toBe('Succeeded');
    expect(execution.sourceRevisions).toEqual([{ actionName: 'App', revisionType: 'COMMIT_ID', revisionValue: srcCommit }]);
  });

  it('starts nothing, with 401, for a delivery signed with another secret', async () => {
    const before = executionCount('bitbucket-main');
    const body = bitbucketPush(docsCommit, srcCommit);

    const delivered = await post('bitbucket', bitbucketHeaders('repo:push', body, secrets.gitlab), body);

    expect(delivered).toMatchObject({ status: 401, body: { message: expect.stringContaining('X-Hub-Signature does not match the body') } });
    expect(executionCount('bitbucket-main')).toBe(before);
  });

  it('skips the pipeline filtering on src/** for a pull request that changes docs/ only, and starts it for one that changes src/', async () => {
    const docsOnly = bitbucketPullRequest(1, docsCommit);
    const skipped = await post('bitbucket', bitbucketHeaders('pullrequest:created', docsOnly, secrets.bitbucket), docsOnly);
    const touchingSrc = bitbucketPullRequest(2, srcCommit);
    const started = await post('bitbucket', bitbucketHeaders('pullrequest:created', touchingSrc, secrets.bitbucket), touchingSrc);

    expect(skipped.body).toMatchObject({ started: [] });
    expect(skipped.body.skipped).toContainEqual({ pipelineName: 'bitbucket-src', reason: 'no changed file passes filePaths (docs/guide.md)' });
    expect(started.body.started).toEqual([{ pipelineName: 'bitbucket-src', pipelineExecutionId: expect.any(String), sourceActionName: 'App' }]);
    const { execution } = await finishedExecution(serve, serveUrl, started.body.started![0]!.pipelineExecutionId);
    expect(execution).toMatchObject({ status: 'Succeeded', sourceRevisions: [{ actionName: 'App', revisionType: 'COMMIT_ID', revisionValue: srcCommit }] });
  });
});

describe('POST /webhooks/gitlab under sluice serve', () => {
  it('starts exactly the pipeline of the pushed project and branch on GitLab, pinned to the pushed commit', async () => {
    const body = gitLabPush(srcCommit);
    const delivered = await post('gitlab', gitLabHeaders('Push Hook', secrets.gitlab), body);

    expect(delivered.status).toBe(202);
    expect(delivered.body.started).toEqual([{ pipelineName: 'gitlab-main', pipelineExecutionId: expect.any(String), sourceActionName: 'App' }]);
    const { execution } = await finishedExecution(serve, serveUrl, delivered.body.started![0]!.pipelineExecutionId);
    expect(execution).toMatchObject({ status: 'Succeeded', sourceRevisions: [{ actionName: 'App', revisionType: 'COMMIT_ID', revisionValue: srcCommit }] });
  });

  it('starts nothing, with 401, for a delivery with another token', async () => {
    const before = executionCount('gitlab-main');

    const delivered = await post('gitlab', gitLabHeaders('Push Hook', secrets.bitbucket), gitLabPush(srcCommit));

    expect(delivered).toMatchObject({ status: 401, body: { message: expect.stringContaining('X-Gitlab-Token is not the secret') } });
    expect(executionCount('gitlab-main')).toBe(before);
  });

  it('skips the pipeline filtering on src/** for a merge request that changes docs/ only, and starts it for one that changes src/', async () => {
    const skipped = await post(
      'gitlab',
      { ...gitLabHeaders('Merge Request Hook', secrets.gitlab), 'idempotency-key': randomUUID() },
      gitLabMergeRequest(1, docsCommit),
    );
    const started = await post('gitlab', gitLabHeaders('Merge Request Hook', secrets.gitlab), gitLabMergeRequest(2, srcCommit));

    expect(skipped.body).toMatchObject({ started: [] });
    expect(skipped.body.skipped).toContainEqual({ pipelineName: 'gitlab-src', reason: 'no changed file passes filePaths (docs/guide.md)' });
    expect(started.body.started).toEqual([{ pipelineName: 'gitlab-src', pipelineExecutionId: expect.any(String), sourceActionName: 'App' }]);
  });
});
