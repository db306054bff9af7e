import { execFileSync } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import examples from '@octokit/webhooks-examples';
import { createPipeline, finishedExecution, killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { commandsOnSource, gitSourceStage } from '../support/declarations';

jest.setTimeout(60_000);

let dataDir: string;
let serve: RunningCli;
let webhookUrl: string;
let secret: string;
/** The commit a push delivers; main has moved on since, so building the head would be wrong. */
let pushedCommit: string;
let headCommit: string;
let repositoryDir: string;

/** GitHub's example push to master, retold as a push of `commit` to `branch` of the test repository. */
function pushPayload(branch: string, commit: string): string {
  const example = (examples.find((definition) => definition.name === 'push')!.examples as Record<string, unknown>[]).find(
    (payload) => payload.ref === 'refs/heads/master',
  )!;
  const repository = example.repository as Record<string, unknown>;
  return JSON.stringify({
    ...example,
    ref: `refs/heads/${branch}`,
    after: commit,
    head_commit: { ...(example.head_commit as object), id: commit },
    repository: { ...repository, full_name: 'sluice-test/app', clone_url: `file://${repositoryDir}` },
  });
}

const signature = (body: string, key = secret) => `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

async function deliver(body: string, options: { event?: string; id?: string; signature?: string | null } = {}) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': options.event ?? 'push',
    'x-github-delivery': options.id ?? randomUUID(),
  };
  if (options.signature !== null) headers['x-hub-signature-256'] = options.signature ?? signature(body);
  const response = await fetch(webhookUrl, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function executionsOf(pipeline: string): { pipelineExecutionId: string; status: string }[] {
  const listed = sluice(['executions', pipeline, '--data-dir', dataDir, '--json']);
  expect(listed.code).toBe(0);
  return JSON.parse(listed.stdout).pipelineExecutionSummaries;
}

function declare(name: string, repository: string) {
  createPipeline(dataDir, {
    name,
    pipelineType: 'V2',
    stages: [gitSourceStage(repository), { name: 'Build', actions: [commandsOnSource('Show', ['cat app.txt'])] }],
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-webhooks-'));
  const repository = gitRepository({ 'app.txt': 'pushed' }, 'the pushed commit');
  repositoryDir = repository.dir;
  pushedCommit = repository.commit;
  writeFileSync(path.join(repositoryDir, 'app.txt'), 'later');
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '-q', '-am', 'a later commit'], { cwd: repositoryDir });
  headCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repositoryDir }).toString().trim();
  declare('webhooked', repositoryDir);
  declare('elsewhere', gitRepository({ 'app.txt': 'other' }).dir);

  const printed = sluice(['webhook-secret', '--data-dir', dataDir]);
  expect(printed.code).toBe(0);
  secret = printed.stdout.trim();
  serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
  webhookUrl = (await serve.waitFor(/GitHub webhook: (http\S+)/))[1]!;
});

afterAll(async () => {
  await serve.interrupt();
  killStartedSluice();
});

describe('POST /webhooks/github under sluice serve', () => {
  const firstDelivery = randomUUID();

  it('starts the pipeline of the pushed repository and branch, pinned to the pushed commit', async () => {
    expect(headCommit).not.toBe(pushedCommit);
    const delivered = await deliver(pushPayload('main', pushedCommit), { id: firstDelivery });

    expect(delivered.status).toBe(202);
    const started = delivered.body.started as { pipelineName: string; pipelineExecutionId: string; sourceActionName: string }[];
    expect(started).toEqual([{ pipelineName: 'webhooked', pipelineExecutionId: expect.any(String), sourceActionName: 'Checkout' }]);
    expect(delivered.body.skipped).toEqual([{ pipelineName: 'elsewhere', reason: expect.stringContaining("which is none of sluice-test/app's URLs") }]);

    const { execution, actions } = await finishedExecution(serve, webhookUrl, started[0]!.pipelineExecutionId);
    expect(execution.status).toBe('Succeeded');
    expect(execution.trigger).toEqual({ triggerType: 'WebhookV2', triggerDetail: `sluice-test/app@${pushedCommit} (GitHub delivery ${firstDelivery})` });
    expect(execution.sourceRevisions).toEqual([{ actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: pushedCommit }]);
    const checkout = actions.find((action) => action.actionName === 'Checkout');
    expect(checkout?.output?.outputVariables.CommitId).toBe(pushedCommit);
    expect(sluice(['logs', execution.pipelineExecutionId, '--action', 'Show', '--data-dir', dataDir]).stdout).toContain('pushed');
  });

  it('answers a replayed delivery id with 200 duplicate and starts nothing', async () => {
    const replayed = await deliver(pushPayload('main', pushedCommit), { id: firstDelivery });

    expect(replayed).toEqual({ status: 200, body: { delivery: firstDelivery, message: 'duplicate' } });
    expect(executionsOf('webhooked')).toHaveLength(1);
  });

  it('starts nothing for a push to another branch, and says why', async () => {
    const delivered = await deliver(pushPayload('dev', headCommit));

    expect(delivered.status).toBe(202);
    expect(delivered.body.started).toEqual([]);
    expect(delivered.body.skipped).toContainEqual({ pipelineName: 'webhooked', reason: 'branch dev is not main, the branch of source action Checkout' });
  });

  it('refuses a missing or wrong signature with 401, recording nothing', async () => {
    const body = pushPayload('dev', headCommit);
    const id = randomUUID();

    expect((await deliver(body, { id, signature: null })).status).toBe(401);
    expect((await deliver(body, { id, signature: signature(body, 'not-the-secret') })).status).toBe(401);
    expect((await deliver(body, { id, signature: signature(`${body} `) })).status).toBe(401);
    // Had a refused delivery been recorded, GitHub's redelivery would now be a duplicate.
    expect((await deliver(body, { id })).status).toBe(202);
  });

  it('refuses malformed JSON with 400, recording nothing', async () => {
    const id = randomUUID();
    const delivered = await deliver('{"ref": "refs/heads/main",', { id });
    expect(delivered.status).toBe(400);
    expect(delivered.body.message).toMatch(/not JSON/);
    expect((await deliver(pushPayload('dev', headCommit), { id })).status).toBe(202);
  });

  it('refuses a body over 25 MB with 413, before reading it', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const sent = request(
        webhookUrl,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(25 * 1024 * 1024 + 1) } },
        (response) => {
          response.resume();
          resolve(response.statusCode);
        },
      );
      sent.on('error', reject);
      sent.write('{');
    });
    expect(status).toBe(413);
  });

  it('answers ping with 200 and an unknown event with 202, starting nothing', async () => {
    const ping = examples.find((definition) => definition.name === 'ping')!.examples[0];
    expect((await deliver(JSON.stringify(ping), { event: 'ping' })).status).toBe(200);
    const ignored = await deliver(JSON.stringify({ action: 'opened' }), { event: 'issues' });
    expect(ignored).toMatchObject({ status: 202, body: { message: 'ignored', reason: 'event issues starts no pipeline' } });
  });

  it('refuses deliveries signed with the old secret once it is rotated', async () => {
    const rotated = sluice(['webhook-secret', '--rotate', '--data-dir', dataDir]).stdout.trim();
    const body = pushPayload('dev', headCommit);

    expect((await deliver(body)).status).toBe(401);
    expect((await deliver(body, { signature: signature(body, rotated) })).status).toBe(202);
  });

  it('started exactly one execution in all', () => {
    expect(executionsOf('webhooked')).toHaveLength(1);
    expect(executionsOf('elsewhere')).toHaveLength(0);
  });
});
