import { InProcessBus } from '../../../lib/adapters/local/in-process-bus';
import { DETAIL_TYPES, pipelineEvent, type PipelineEventState } from '../../../lib/core/events';
import { webhookTriggerDetail } from '../../../lib/core/webhook-delivery';
import { CommitStatusPublisher, registerCommitStatusRule } from '../../../lib/execution/commit-statuses';
import type { CommitStatus } from '../../../lib/ports/commit-status';
import type { ExecutionTrigger, PipelineExecutionRecord, PipelineVersionRecord } from '../../../lib/ports/execution-store';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const CONNECTION_ARN = 'arn:aws:codeconnections:us-east-1:123456789012:connection/bb-connection';
/** The pipeline's version 1, whose source action reads through a connection. */
const VERSION: PipelineVersionRecord = {
  name: 'app',
  version: 1,
  created: '2025-01-01T00:00:00.000Z',
  declaration: {
    name: 'app',
    roleArn: 'arn:aws:iam::123456789012:role/sluice',
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Code',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeStarSourceConnection', version: '1' },
            configuration: { ConnectionArn: CONNECTION_ARN, FullRepositoryId: 'octo/app', BranchName: 'main' },
            outputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
    ],
  } as PipelineVersionRecord['declaration'],
};
const WEBHOOK: ExecutionTrigger = { triggerType: 'WebhookV2', triggerDetail: webhookTriggerDetail('GitHub', 'octo/app', SHA, 'delivery-1') };

function execution(id: string, trigger: ExecutionTrigger): PipelineExecutionRecord {
  const now = '2025-01-01T00:00:00.000Z';
  return {
    pipelineName: 'app',
    pipelineVersion: 1,
    pipelineExecutionId: id,
    status: 'InProgress',
    startTime: now,
    lastUpdateTime: now,
    trigger,
    variables: {},
    sourceRevisions: [{ actionName: 'Code', revisionType: 'COMMIT_ID', revisionValue: SHA }],
  };
}

const event = (executionId: string, state: PipelineEventState, summary?: string) =>
  pipelineEvent(
    DETAIL_TYPES.pipeline,
    {
      pipeline: 'app',
      version: 1,
      'execution-id': executionId,
      state,
      ...(summary ? { 'execution-result': { 'external-execution-summary': summary } } : {}),
    },
    {
      id: `${executionId}-${state}`,
      time: '2025-01-01T00:00:00.000Z',
      pipelineArn: 'arn:aws:codepipeline:local:000000000000:app',
      startTime: '2025-01-01T00:00:00.000Z',
    },
  );

function setUp(report: (status: CommitStatus) => Promise<void>) {
  const executions = new Map([
    ['hooked', execution('hooked', WEBHOOK)],
    ['manual', execution('manual', { triggerType: 'StartPipelineExecution', triggerDetail: 'me' })],
    ['done', { ...execution('done', WEBHOOK), status: 'Succeeded' as const }],
  ]);
  const warnings: string[] = [];
  const publisher = new CommitStatusPublisher({
    reporter: { report },
    store: { getExecution: async (id) => executions.get(id), getPipeline: async (name, version) => (version === 1 ? VERSION : undefined) },
    executionUrl: (id) => `http://127.0.0.1:8040/executions/${id}`,
    warn: (message) => warnings.push(message),
  });
  const bus = new InProcessBus();
  registerCommitStatusRule(bus, publisher);
  return { publisher, bus, warnings };
}

describe('CommitStatusPublisher', () => {
  it('reports pending then the end of an execution a webhook started, in order, even when GitHub answers the first one late', async () => {
    const reported: CommitStatus[] = [];
    let calls = 0;
    const { publisher, bus } = setUp(async (status) => {
      calls += 1;
      if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 50));
      reported.push(status);
    });

    await bus.publish(event('hooked', 'STARTED'));
    await bus.publish(event('hooked', 'SUCCEEDED'));
    await publisher.settled();

    // The status goes to the host of the connection that the pinned source action reads through.
    const common = {
      repository: 'octo/app',
      sha: SHA,
      context: 'sluice/app',
      targetUrl: 'http://127.0.0.1:8040/executions/hooked',
      connectionArn: CONNECTION_ARN,
    };
    expect(reported).toEqual([
      { ...common, state: 'pending', description: 'Running' },
      { ...common, state: 'success', description: 'Succeeded' },
    ]);
  });

  it('reports no pending for an execution that had already ended when its STARTED event came, as one can on AWS', async () => {
    const reported: CommitStatus[] = [];
    const { publisher, bus } = setUp(async (status) => {
      reported.push(status);
    });

    await bus.publish(event('done', 'SUCCEEDED'));
    await bus.publish(event('done', 'STARTED'));
    await publisher.settled();

    expect(reported.map(({ state, description }) => ({ state, description }))).toEqual([{ state: 'success', description: 'Succeeded' }]);
  });

  it('reports failure with the reason, and error for a stopped execution', async () => {
    const reported: CommitStatus[] = [];
    const { publisher, bus } = setUp(async (status) => {
      reported.push(status);
    });

    await bus.publish(event('hooked', 'FAILED', 'Build/Make failed'));
    await bus.publish(event('hooked', 'STOPPED'));
    await publisher.settled();

    expect(reported.map(({ state, description }) => ({ state, description }))).toEqual([
      { state: 'failure', description: 'Failed: Build/Make failed' },
      { state: 'error', description: 'Stopped' },
    ]);
  });

  it('reports nothing for an execution no webhook started, nor for stage events', async () => {
    const report = jest.fn(async () => {});
    const { publisher, bus } = setUp(report);

    await bus.publish(event('manual', 'STARTED'));
    await bus.publish(
      pipelineEvent(
        DETAIL_TYPES.stage,
        { pipeline: 'app', version: 1, 'execution-id': 'hooked', stage: 'Build', state: 'STARTED' },
        { id: 's', time: '2025-01-01T00:00:00.000Z', pipelineArn: 'arn', startTime: '2025-01-01T00:00:00.000Z' },
      ),
    );
    await publisher.settled();

    expect(report).not.toHaveBeenCalled();
  });

  it('reports a skipped pipeline as success saying Skipped, since GitHub has no neutral state', async () => {
    const reported: CommitStatus[] = [];
    const { publisher } = setUp(async (status) => {
      reported.push(status);
    });

    publisher.skipped({
      repository: 'octo/app',
      sha: SHA,
      pipelineName: 'app',
      reason: 'branch dev is not main',
      couldNotStart: false,
      connectionArn: CONNECTION_ARN,
    });
    publisher.skipped({ repository: 'octo/app', sha: SHA, pipelineName: 'other', reason: 'it needs a variable', couldNotStart: true });
    await publisher.settled();

    expect(reported).toEqual([
      {
        repository: 'octo/app',
        sha: SHA,
        state: 'success',
        context: 'sluice/app',
        description: 'Skipped: branch dev is not main',
        connectionArn: CONNECTION_ARN,
      },
      { repository: 'octo/app', sha: SHA, state: 'error', context: 'sluice/other', description: 'Not started: it needs a variable' },
    ]);
  });

  it('warns when GitHub refuses a status, and neither the publisher nor the bus fails', async () => {
    const { publisher, bus, warnings } = setUp(async () => {
      throw new Error('GitHub answered 401');
    });

    await bus.publish(event('hooked', 'STARTED'));
    await publisher.settled();

    expect(warnings).toEqual([expect.stringContaining('GitHub answered 401')]);
  });
});
