import { handleWebhookRequest, refuseWebhookBeforeBody, type WebhookRouteDependencies } from '../../../lib/api/webhook-routes';
import type { HttpRequest } from '../../../lib/api/http-types';
import type { HostFamily } from '../../../lib/core/connection-hosts';
import { UnauthorizedError } from '../../../lib/core/errors';
import { pipelineRecord, triggerDependencies } from '../../support/trigger-dependencies';
import { bitbucketHeaders, gitLabHeaders, webhookExample } from '../../support/webhook-examples';

const SECRETS: Record<HostFamily, string> = { GitHub: 'github-secret', Bitbucket: 'bitbucket-secret', GitLab: 'gitlab-secret' };

/** A pipeline whose source reads `repository`'s `branch` through connection `connection`. */
const onConnection = (name: string, connection: string, repository: string, branch: string) =>
  pipelineRecord(name, {
    name: 'App',
    actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
    configuration: {
      ConnectionArn: `arn:aws:codeconnections:us-east-1:123456789012:connection/${connection}`,
      FullRepositoryId: repository,
      BranchName: branch,
    },
    outputArtifacts: [{ name: 'Src' }],
  });

function routeDependencies() {
  const { deps, start, deliveries } = triggerDependencies([
    onConnection('on-bitbucket', 'bb', 'team_name/repo_name', 'name-of-branch'),
    onConnection('same-name-on-github', 'gh', 'team_name/repo_name', 'name-of-branch'),
    onConnection('on-gitlab', 'gl', 'mike/diaspora', 'master'),
  ]);
  const routeDeps: WebhookRouteDependencies = {
    ...deps,
    webhookSecret: async (host) => SECRETS[host],
    connections: async () => ({ bb: { type: 'Bitbucket' }, gl: { type: 'GitLab' } }),
  };
  return { deps: routeDeps, start, deliveries };
}

const request = (path: string, headers: Record<string, string>, body: string): HttpRequest => ({ method: 'POST', path, query: {}, headers, body });

const bitbucketPush = JSON.stringify(webhookExample('bitbucket-repo-push.json'));
const gitLabPush = JSON.stringify({ ...webhookExample('gitlab-push-hook.json'), total_commits_count: 2 });

describe('POST /webhooks/bitbucket', () => {
  it('starts only the pipeline whose connection reaches Bitbucket, pinned to the pushed commit', async () => {
    const { deps, start } = routeDependencies();

    const answer = await handleWebhookRequest(
      deps,
      request('/webhooks/bitbucket', bitbucketHeaders('repo:push', bitbucketPush, SECRETS.Bitbucket), bitbucketPush),
    );

    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body as string)).toMatchObject({
      started: [{ pipelineName: 'on-bitbucket', sourceActionName: 'App' }],
      skipped: expect.arrayContaining([
        { pipelineName: 'same-name-on-github', reason: 'source action App reads GitHub, and the delivery comes from Bitbucket' },
      ]),
    });
    expect(start).toHaveBeenCalledTimes(1);
    const [, , trigger, revisions] = start.mock.calls[0]!;
    expect(trigger.triggerDetail).toMatch(/^team_name\/repo_name@709d658dc5b6d6afcd46049c2f332ee3f515a67d \(Bitbucket delivery [0-9a-f-]+\)$/);
    expect(revisions).toEqual([{ actionName: 'App', revisionType: 'COMMIT_ID', revisionValue: '709d658dc5b6d6afcd46049c2f332ee3f515a67d' }]);
  });

  it('refuses a delivery signed with another secret with 401, recording nothing', async () => {
    const { deps, start, deliveries } = routeDependencies();
    const headers = bitbucketHeaders('repo:push', bitbucketPush, SECRETS.GitHub);

    await expect(handleWebhookRequest(deps, request('/webhooks/bitbucket', headers, bitbucketPush))).rejects.toThrow(
      new UnauthorizedError('X-Hub-Signature does not match the body; sluice webhook-secret --host bitbucket prints the secret to give Bitbucket.'),
    );
    expect(deliveries.size).toBe(0);
    expect(start).not.toHaveBeenCalled();
  });

  it("refuses from the headers alone a delivery without a signature, with GitHub's header only, or without X-Request-UUID", () => {
    const { deps } = routeDependencies();
    const { 'x-hub-signature': signature, ...unsigned } = bitbucketHeaders('repo:push', bitbucketPush, SECRETS.Bitbucket);
    const head = (headers: Record<string, string>) => ({ method: 'POST', path: '/webhooks/bitbucket', headers });

    expect(refuseWebhookBeforeBody(deps, head(unsigned))?.message).toMatch(/^X-Hub-Signature is missing/);
    expect(refuseWebhookBeforeBody(deps, head({ ...unsigned, 'x-hub-signature-256': signature! }))?.message).toMatch(/^X-Hub-Signature is missing/);
    expect(refuseWebhookBeforeBody(deps, head({ ...unsigned, 'x-hub-signature': 'sha1=abc' }))?.message).toContain("is not in Bitbucket's form");
    const { 'x-request-uuid': _, ...anonymous } = bitbucketHeaders('repo:push', bitbucketPush, SECRETS.Bitbucket);
    expect(refuseWebhookBeforeBody(deps, head(anonymous))?.message).toBe('X-Request-UUID is missing.');
  });
});

describe('POST /webhooks/gitlab', () => {
  it('starts only the pipeline whose connection reaches GitLab, when the token is the secret', async () => {
    const { deps, start } = routeDependencies();

    const answer = await handleWebhookRequest(deps, request('/webhooks/gitlab', gitLabHeaders('Push Hook', SECRETS.GitLab), gitLabPush));

    expect(JSON.parse(answer.body as string)).toMatchObject({ started: [{ pipelineName: 'on-gitlab' }] });
    expect(start.mock.calls[0]![3]).toEqual([{ actionName: 'App', revisionType: 'COMMIT_ID', revisionValue: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' }]);
  });

  it('refuses another token with 401, and recording nothing', async () => {
    const { deps, start, deliveries } = routeDependencies();

    await expect(handleWebhookRequest(deps, request('/webhooks/gitlab', gitLabHeaders('Push Hook', SECRETS.Bitbucket), gitLabPush))).rejects.toThrow(
      'X-Gitlab-Token is not the secret; sluice webhook-secret --host gitlab prints the secret to give GitLab.',
    );
    expect(deliveries.size).toBe(0);
    expect(start).not.toHaveBeenCalled();
  });

  it('starts once for a retried event, which carries the same Idempotency-Key under another event UUID', async () => {
    const { deps, start } = routeDependencies();
    const retried = (uuid: string) => ({ ...gitLabHeaders('Push Hook', SECRETS.GitLab), 'x-gitlab-event-uuid': uuid, 'idempotency-key': 'key-1' });

    await handleWebhookRequest(deps, request('/webhooks/gitlab', retried('uuid-1'), gitLabPush));
    const again = await handleWebhookRequest(deps, request('/webhooks/gitlab', retried('uuid-2'), gitLabPush));

    expect(JSON.parse(again.body as string)).toEqual({ delivery: 'key-1', message: 'duplicate' });
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('keeps the same id from two hosts apart', async () => {
    const { deps, deliveries } = routeDependencies();
    const id = '0b2e5f37-6f5a-4e4f-9d2f-8f43c3a4b1d0';

    await handleWebhookRequest(deps, request('/webhooks/gitlab', { ...gitLabHeaders('Push Hook', SECRETS.GitLab), 'x-gitlab-event-uuid': id }, gitLabPush));
    const bitbucket = await handleWebhookRequest(
      deps,
      request('/webhooks/bitbucket', { ...bitbucketHeaders('repo:push', bitbucketPush, SECRETS.Bitbucket), 'x-request-uuid': id }, bitbucketPush),
    );

    expect(JSON.parse(bitbucket.body as string)).toMatchObject({ started: [{ pipelineName: 'on-bitbucket' }] });
    expect([...deliveries.keys()].sort()).toEqual([`Bitbucket:${id}`, `GitLab:${id}`]);
  });
});

describe('other webhook paths', () => {
  it('are not found, naming the three webhooks', () => {
    expect(refuseWebhookBeforeBody({}, { method: 'POST', path: '/webhooks/gitea', headers: {} })?.message).toBe(
      'No webhook at /webhooks/gitea; the webhooks are /webhooks/github, /webhooks/bitbucket, /webhooks/gitlab.',
    );
  });
});
