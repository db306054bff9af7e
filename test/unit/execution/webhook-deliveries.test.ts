import examples from '@octokit/webhooks-examples';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { BadInputError } from '../../../lib/core/errors';
import { bitbucketDelivery } from '../../../lib/core/bitbucket-event';
import { gitHubDelivery } from '../../../lib/core/github-event';
import { handleHostDelivery, type WebhookDeliveryDependencies } from '../../../lib/execution/webhook-deliveries';
import { pipelineRecord, triggerDependencies } from '../../support/trigger-dependencies';
import { webhookExample } from '../../support/webhook-examples';

const masterPush = (examples.find((definition) => definition.name === 'push')!.examples as { ref: string }[]).find(
  (payload) => payload.ref === 'refs/heads/master',
)!;
const COMMIT = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

/** A pipeline whose source is Codertocat/Hello-World's `branch`, the repository of GitHub's example payloads. */
const record = (name: string, branch: string, variables: PipelineDeclaration['variables'] = undefined) =>
  pipelineRecord(
    name,
    {
      name: 'App',
      actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
      configuration: { ConnectionArn: 'arn:x', FullRepositoryId: 'Codertocat/Hello-World', BranchName: branch },
      outputArtifacts: [{ name: 'Src' }],
    },
    variables,
  );

/** A GitHub delivery of `event`, its payload read as the route reads it. */
const handleGitHubDelivery = async (deps: WebhookDeliveryDependencies, { id, event, payload }: { id: string; event: string; payload: unknown }) =>
  handleHostDelivery(deps, { host: 'GitHub', id, meaning: gitHubDelivery(event, payload) });

describe('handleHostDelivery of GitHub deliveries', () => {
  it('starts the matching pipelines pinned to the pushed commit and says why it skipped the others', async () => {
    const { deps, start, deliveries } = triggerDependencies([
      record('on-master', 'master'),
      record('on-main', 'main'),
      record('needs-variable', 'master', [{ name: 'stage' }]),
    ]);

    const outcome = await handleGitHubDelivery(deps, { id: 'delivery-1', event: 'push', payload: masterPush });

    expect(outcome).toEqual({
      kind: 'matched',
      started: [{ pipelineName: 'on-master', pipelineExecutionId: 'on-master-execution', sourceActionName: 'App' }],
      skipped: [
        { pipelineName: 'on-main', reason: 'branch master is not main, the branch of source action App' },
        { pipelineName: 'needs-variable', reason: expect.stringMatching(/could not start: Variable stage has no default value/) },
      ],
    });
    expect(start).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'on-master' }),
      {},
      { triggerType: 'WebhookV2', triggerDetail: `Codertocat/Hello-World@${COMMIT} (GitHub delivery delivery-1)` },
      [{ actionName: 'App', revisionType: 'COMMIT_ID', revisionValue: COMMIT }],
    );
    // Kept a week from the clock's now, in epoch seconds, for DynamoDB's TTL.
    expect(deliveries.get('delivery-1')).toBe(Date.parse('2025-01-08T00:00:00.000Z') / 1000);
  });

  it('starts no pipeline whose source reads a repository of the same name on another host, and says so', async () => {
    const { deps, start } = triggerDependencies([record('on-github', 'master'), record('on-bitbucket', 'master')]);
    const onBitbucket = (await deps.store.listPipelines()).find((pipeline) => pipeline.name === 'on-bitbucket')!;
    onBitbucket.declaration.stages[0]!.actions[0]!.configuration!.ConnectionArn = 'arn:aws:codeconnections:us-east-1:123456789012:connection/bb';

    const outcome = await handleGitHubDelivery(
      { ...deps, connections: async () => ({ bb: { type: 'Bitbucket' } }) },
      { id: 'delivery-1', event: 'push', payload: masterPush },
    );

    expect(outcome).toEqual({
      kind: 'matched',
      started: [expect.objectContaining({ pipelineName: 'on-github' })],
      skipped: [{ pipelineName: 'on-bitbucket', reason: 'source action App reads Bitbucket, and the delivery comes from GitHub' }],
    });
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('starts nothing for a delivery id it has seen', async () => {
    const { deps, start } = triggerDependencies([record('on-master', 'master')]);
    await handleGitHubDelivery(deps, { id: 'delivery-1', event: 'push', payload: masterPush });

    expect(await handleGitHubDelivery(deps, { id: 'delivery-1', event: 'push', payload: masterPush })).toEqual({ kind: 'duplicate' });
    expect(start).toHaveBeenCalledTimes(1);
  });

  it("records nothing for a ping, an ignored event or a payload that is not GitHub's", async () => {
    const { deps, start, deliveries } = triggerDependencies([record('on-master', 'master')]);

    expect(await handleGitHubDelivery(deps, { id: 'a', event: 'ping', payload: {} })).toEqual({ kind: 'ping' });
    expect(await handleGitHubDelivery(deps, { id: 'b', event: 'issues', payload: {} })).toMatchObject({ kind: 'ignored' });
    await expect(handleGitHubDelivery(deps, { id: 'c', event: 'push', payload: { ref: 1 } })).rejects.toThrow(BadInputError);
    expect(deliveries.size).toBe(0);
    expect(start).not.toHaveBeenCalled();
  });
});

describe('handleHostDelivery and commit statuses', () => {
  it('tells of the pipelines of the pushed repository that it skipped or could not start, and of no other', async () => {
    const { deps } = triggerDependencies([record('on-master', 'master'), record('on-main', 'main'), record('needs-variable', 'master', [{ name: 'stage' }])]);
    const elsewhere = record('elsewhere', 'master');
    elsewhere.declaration.stages[0]!.actions[0]!.configuration!.FullRepositoryId = 'someone/else';
    const reportSkipped = jest.fn();

    await handleGitHubDelivery(
      { ...deps, store: { ...deps.store, listPipelines: async () => [...(await deps.store.listPipelines()), elsewhere] }, reportSkipped },
      { id: 'delivery-2', event: 'push', payload: masterPush },
    );

    expect(reportSkipped.mock.calls.map(([skip]) => skip)).toEqual([
      {
        repository: 'Codertocat/Hello-World',
        sha: COMMIT,
        pipelineName: 'on-main',
        reason: 'branch master is not main, the branch of source action App',
        couldNotStart: false,
        // The source action's connection, whose host gets the status.
        connectionArn: 'arn:x',
      },
      {
        repository: 'Codertocat/Hello-World',
        sha: COMMIT,
        pipelineName: 'needs-variable',
        reason: expect.stringContaining('could not start'),
        couldNotStart: true,
        connectionArn: 'arn:x',
      },
    ]);
  });
});

describe("handleHostDelivery and a pull request's changed files", () => {
  const opened = (examples.find((definition) => definition.name === 'pull_request')!.examples as { action: string; number: number }[]).find(
    (payload) => payload.action === 'opened',
  )!;
  /** `record`'s pipeline, started by pull requests into master that change a file under src/. */
  const onSrc = (name: string) => {
    const filtered = record(name, 'master');
    filtered.declaration.triggers = [
      { providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'App', pullRequest: [{ filePaths: { includes: ['src/**'] } }] } },
    ];
    return filtered;
  };

  it('reads them once, for the pipelines whose filePaths need them, and starts those they pass', async () => {
    const { deps } = triggerDependencies([onSrc('on-src'), record('on-push', 'master')]);
    const changedFiles = jest.fn(async () => ({ files: ['docs/guide.md', 'src/app.ts'] }));

    const outcome = await handleGitHubDelivery({ ...deps, changedFiles }, { id: 'pr-1', event: 'pull_request', payload: opened });

    expect(outcome).toMatchObject({
      kind: 'matched',
      started: [{ pipelineName: 'on-src' }],
      skipped: [{ pipelineName: 'on-push', reason: 'source action App has no pullRequest trigger' }],
    });
    expect(changedFiles).toHaveBeenCalledTimes(1);
    expect(changedFiles).toHaveBeenCalledWith(
      { connectionArn: 'arn:x', repository: 'Codertocat/Hello-World', change: { pullRequest: opened.number } },
      expect.any(AbortSignal),
    );
  });

  it('skips a pipeline when no changed file passes its filePaths', async () => {
    const { deps, start } = triggerDependencies([onSrc('on-src')]);

    const outcome = await handleGitHubDelivery(
      { ...deps, changedFiles: async () => ({ files: ['docs/guide.md'] }) },
      { id: 'pr-2', event: 'pull_request', payload: opened },
    );

    expect(outcome).toMatchObject({ skipped: [{ pipelineName: 'on-src', reason: 'no changed file passes filePaths (docs/guide.md)' }] });
    expect(start).not.toHaveBeenCalled();
  });

  it('reads nothing when no pipeline filters pull requests on filePaths', async () => {
    const { deps } = triggerDependencies([record('on-push', 'master')]);
    const changedFiles = jest.fn(async () => ({ files: [] }));

    await handleGitHubDelivery({ ...deps, changedFiles }, { id: 'pr-3', event: 'pull_request', payload: opened });

    expect(changedFiles).not.toHaveBeenCalled();
  });

  it('reports a pipeline it could not decide on as not started, saying why, when the files cannot be read', async () => {
    const { deps, start } = triggerDependencies([onSrc('on-src')]);
    const reportSkipped = jest.fn();

    const unreadable = await handleGitHubDelivery(
      {
        ...deps,
        reportSkipped,
        changedFiles: async () => {
          throw new Error('GitHub refused the token');
        },
      },
      { id: 'pr-4', event: 'pull_request', payload: opened },
    );
    const tokenless = await handleGitHubDelivery({ ...deps, reportSkipped }, { id: 'pr-5', event: 'pull_request', payload: opened });

    expect(unreadable).toMatchObject({ skipped: [{ reason: expect.stringContaining('could not be read: GitHub refused the token') }] });
    expect(tokenless).toMatchObject({ skipped: [{ reason: expect.stringContaining("Sluice has no GitHub token to read the pull request's changed files") }] });
    expect(reportSkipped.mock.calls.map(([skip]) => (skip as { couldNotStart: boolean }).couldNotStart)).toEqual([true, true]);
    expect(start).not.toHaveBeenCalled();
  });
});

describe("handleHostDelivery and a Bitbucket push's changed files", () => {
  const BITBUCKET_CONNECTION = 'arn:aws:codeconnections:us-east-1:123456789012:connection/bb';
  /** A pipeline on team_name/repo_name through `connection`, started by pushes to name-of-branch that change a file under src/. */
  const onSrc = (name: string, connection: string) => {
    const filtered = pipelineRecord(name, {
      name: 'App',
      actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
      configuration: { ConnectionArn: connection, FullRepositoryId: 'team_name/repo_name', BranchName: 'name-of-branch' },
      outputArtifacts: [{ name: 'Src' }],
    });
    filtered.declaration.triggers = [
      { providerType: 'CodeStarSourceConnection', gitConfiguration: { sourceActionName: 'App', push: [{ filePaths: { includes: ['src/**'] } }] } },
    ];
    return filtered;
  };
  const push = bitbucketDelivery('repo:push', webhookExample('bitbucket-repo-push.json'));

  it('reads the files from the commit before the push to the pushed one, through the connection that reaches Bitbucket', async () => {
    const { deps } = triggerDependencies([onSrc('on-github', 'arn:gh'), onSrc('on-bitbucket', BITBUCKET_CONNECTION)]);
    const changedFiles = jest.fn(async () => ({ files: ['src/app.ts'] }));

    const outcome = await handleHostDelivery(
      { ...deps, changedFiles, connections: async () => ({ bb: { type: 'Bitbucket' } }) },
      { host: 'Bitbucket', id: 'push-1', meaning: push },
    );

    expect(outcome).toMatchObject({ started: [{ pipelineName: 'on-bitbucket' }], skipped: [{ pipelineName: 'on-github' }] });
    expect(changedFiles).toHaveBeenCalledWith(
      {
        connectionArn: BITBUCKET_CONNECTION,
        repository: 'team_name/repo_name',
        change: { from: '1e65c05c1d5171631d92438a13901ca7dae9618c', to: '709d658dc5b6d6afcd46049c2f332ee3f515a67d' },
      },
      expect.any(AbortSignal),
    );
  });
});
