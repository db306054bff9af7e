import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCustomActionStore } from '../../lib/adapters/aws/dynamodb-custom-action-store';
import { DynamoDbApprovalStore } from '../../lib/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuditLog } from '../../lib/adapters/aws/dynamodb-audit-log';
import { LocalTaskCallbacks } from '../../lib/adapters/local/local-task-callbacks';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { publishStageState } from '../../lib/execution/publish';
import { startExecution } from '../../lib/execution/start-execution';
import { PipelineOperations } from '../../lib/operations/pipeline-operations';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { stackPerSuite } from '../support/embedded-stack';
import { testExecutionDependencies } from '../support/execution-deps';

const pipeline: PipelineDeclaration = {
  name: 'followed',
  stages: [gitSourceStage('.'), { name: 'Build', actions: [commandsOnSource('Show', ['true'])] }],
};

describe('following an execution’s events on the embedded stack, told of new ones by the bus', () => {
  const suite = stackPerSuite();
  let deps: ExecutionDependencies;
  let api: PipelineOperations;

  beforeAll(async () => {
    const { deps: base, bus } = await testExecutionDependencies(suite.test, { providers: [], workspaceRoot: suite.scratch });
    deps = base;
    // As the local installation does: the bus records every event, then tells the followers.
    bus.subscribe((event) => base.store.recordEvent(event));
    const documents = DynamoDBDocumentClient.from(suite.test.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    api = new PipelineOperations({
      ...base,
      approvals: new DynamoDbApprovalStore(documents, 'sluice'),
      audit: new DynamoDbAuditLog(documents, 'sluice'),
      customActions: new DynamoDbCustomActionStore(documents, 'sluice'),
      callbacks: new LocalTaskCallbacks(),
      approvalUrl: (id) => `http://127.0.0.1/approvals/${id}`,
      newSecret: () => 'secret',
      eventFeed: bus,
    });
  });

  const start = () => startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } });

  it('answers at once with the events after the ones the follower has seen', async () => {
    const { pipeline: ref } = await start();
    await publishStageState(deps, ref, { stage: 'Source', state: 'STARTED' });

    const all = await api.listExecutionEvents(ref.executionId);
    const after = await api.listExecutionEvents(ref.executionId, { after: 1, waitMs: 60_000 });

    expect(all.map((event) => event.detail.state)).toEqual(['STARTED', 'STARTED']);
    expect(after).toEqual([all[1]]);
  });

  it('waits for the next event of that execution, and answers with it', async () => {
    const { pipeline: ref } = await start();
    const other = await start();
    const seen = (await api.listExecutionEvents(ref.executionId)).length;

    const waiting = api.listExecutionEvents(ref.executionId, { after: seen, waitMs: 60_000 });
    await publishStageState(deps, other.pipeline, { stage: 'Source', state: 'STARTED' });
    await publishStageState(deps, ref, { stage: 'Build', state: 'STARTED' });

    const events = await waiting;
    expect(events.map((event) => [event.detail['execution-id'], 'stage' in event.detail ? event.detail.stage : undefined])).toEqual([
      [ref.executionId, 'Build'],
    ]);
  });

  it('answers with no events when none comes in time', async () => {
    const { pipeline: ref } = await start();
    const seen = (await api.listExecutionEvents(ref.executionId)).length;

    await expect(api.listExecutionEvents(ref.executionId, { after: seen, waitMs: 50 })).resolves.toEqual([]);
  });

  it('refuses to follow an execution that does not exist', async () => {
    await expect(api.listExecutionEvents('no-such-execution', { after: 0, waitMs: 50 })).rejects.toThrow(/There is no execution no-such-execution/);
  });
});
