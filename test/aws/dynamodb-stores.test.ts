import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbApprovalStore } from '../../lib/adapters/aws/dynamodb-approval-store';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import type { ApprovalDecision, ApprovalRecord } from '../../lib/ports/approval-store';
import type { ActionExecutionRecord, PipelineExecutionRecord } from '../../lib/ports/execution-store';
import { describeEventLog } from '../support/event-log';
import { motoClientConfig, uniqueName } from './support/moto-clients';

function execution(pipelineName: string, id: string, startTime: string): PipelineExecutionRecord {
  return {
    pipelineName,
    pipelineVersion: 1,
    pipelineExecutionId: id,
    status: 'InProgress',
    startTime,
    lastUpdateTime: startTime,
    trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'moto' },
    variables: { region: 'us-east-1' },
  };
}

function action(executionId: string, status: ActionExecutionRecord['status']): ActionExecutionRecord {
  return {
    pipelineExecutionId: executionId,
    stageName: 'Build',
    actionName: 'Compile',
    actionExecutionId: `${executionId}-compile`,
    status,
    startTime: '2025-01-01T00:00:00.000Z',
    lastUpdateTime: '2025-01-01T00:00:00.000Z',
    input: { actionTypeId: { category: 'Build', owner: 'AWS', provider: 'Commands', version: '1' }, resolvedConfiguration: {}, inputArtifacts: [] },
  };
}

function approval(approvalId: string): ApprovalRecord {
  return {
    approvalId,
    token: `${approvalId}-token`,
    taskToken: `${approvalId}-task-token`,
    nonce: `${approvalId}-nonce`,
    pipelineName: 'webapp',
    pipelineVersion: 1,
    pipelineExecutionId: 'e-approval',
    stageName: 'Release',
    actionName: 'Approve',
    status: 'Pending',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-08T00:00:00.000Z',
  };
}

const decision = (status: ApprovalDecision['status'], approver: string): ApprovalDecision => ({ status, approver, at: '2025-01-02T00:00:00.000Z' });

describe('the DynamoDB stores on moto', () => {
  const table = uniqueName('sluice-executions');
  const dynamodb = new DynamoDBClient(motoClientConfig());
  const documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const store = new DynamoDbExecutionStore(documents, table);
  const approvals = new DynamoDbApprovalStore(documents, table);

  beforeAll(() => ensureExecutionTable(dynamodb, table));
  afterAll(() => dynamodb.destroy());

  it('creates the table with the keys and index the stores use, once', async () => {
    await expect(ensureExecutionTable(dynamodb, table)).resolves.toBeUndefined();
  });

  it('creates, reads, lists newest first, and finishes an execution', async () => {
    await store.createExecution(execution('listed', 'listed-1', '2025-01-01T00:00:00.000Z'));
    await store.createExecution(execution('listed', 'listed-2', '2025-01-02T00:00:00.000Z'));
    await store.createExecution(execution('other', 'other-1', '2025-01-03T00:00:00.000Z'));

    expect(await store.getExecution('listed-1')).toEqual(execution('listed', 'listed-1', '2025-01-01T00:00:00.000Z'));
    expect((await store.listExecutions('listed')).map((each) => each.pipelineExecutionId)).toEqual(['listed-2', 'listed-1']);
    expect(await store.finishExecution('listed-1', 'Succeeded', 'done', '2025-01-01T00:05:00.000Z')).toBe(true);
    expect(await store.getExecution('listed-1')).toMatchObject({ status: 'Succeeded', statusSummary: 'done', lastUpdateTime: '2025-01-01T00:05:00.000Z' });
  });

  it('refuses a duplicate execution, a finished execution moving again, and an unknown one', async () => {
    const first = execution('guarded', 'guarded-1', '2025-01-01T00:00:00.000Z');
    await store.createExecution(first);

    await expect(store.createExecution({ ...first, status: 'Failed' })).rejects.toThrow(ConditionalCheckFailedException);
    expect(await store.finishExecution('guarded-1', 'Failed', 'boom', '2025-01-01T00:01:00.000Z')).toBe(true);
    expect(await store.finishExecution('guarded-1', 'Succeeded', undefined, '2025-01-01T00:02:00.000Z')).toBe(false);
    expect(await store.finishExecution('no-such-execution', 'Succeeded', undefined, '2025-01-01T00:02:00.000Z')).toBe(false);
    expect(await store.getExecution('guarded-1')).toMatchObject({ status: 'Failed', statusSummary: 'boom' });
  });

  it('never rewrites a finished action', async () => {
    expect(await store.putAction(action('actions-1', 'InProgress'))).toBe(true);
    expect(await store.putAction(action('actions-1', 'Failed'))).toBe(true);
    expect(await store.putAction(action('actions-1', 'Succeeded'))).toBe(false);
    expect((await store.listActions('actions-1')).map((each) => each.status)).toEqual(['Failed']);
  });

  it('refuses a second approval with the same id', async () => {
    await approvals.createApproval(approval('twice'));

    await expect(approvals.createApproval({ ...approval('twice'), nonce: 'other' })).rejects.toThrow(ConditionalCheckFailedException);
    expect(await approvals.getApproval('twice')).toEqual(approval('twice'));
  });

  it('lets exactly one of two concurrent decisions win', async () => {
    await approvals.createApproval(approval('race'));

    const outcomes = await Promise.all([
      approvals.decide('race', decision('Approved', 'alice')),
      approvals.decide('race', decision('Rejected', 'bob')),
    ]);

    expect(outcomes.filter((outcome) => outcome.decided)).toHaveLength(1);
    const winner = outcomes.find((outcome) => outcome.decided)!.record!;
    expect(['alice', 'bob']).toContain(winner.decision?.approver);
    for (const outcome of outcomes) expect(outcome.record).toEqual(winner);
  });

  it('does not decide an approval that does not exist', async () => {
    expect(await approvals.decide('no-such-approval', decision('Approved', 'alice'))).toEqual({ decided: false, record: undefined });
  });

  it('lets one of two deciders claim an approval, and only the claim moves it on: to its decision, or back to Pending', async () => {
    await approvals.createApproval(approval('claimed'));

    const claims = await Promise.all([
      approvals.claimDecision('claimed', decision('Approved', 'alice')),
      approvals.claimDecision('claimed', decision('Rejected', 'bob')),
    ]);

    expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
    const held = claims.find((claim) => claim.claimed)!.record!;
    expect(held.status).toBe('Deciding');
    expect(await approvals.decide('claimed', decision('Expired', 'nobody'))).toMatchObject({ decided: false, record: { status: 'Deciding' } });

    await approvals.releaseDecision('claimed');
    const reopened = await approvals.getApproval('claimed');
    expect(reopened).toEqual(approval('claimed'));
    await expect(approvals.completeDecision('claimed', decision('Approved', 'alice'))).rejects.toThrow('was not being decided');

    await approvals.claimDecision('claimed', decision('Approved', 'alice'));
    expect(await approvals.completeDecision('claimed', decision('Approved', 'alice'))).toMatchObject({ status: 'Approved', decision: { approver: 'alice' } });
  });

  describe("an execution's events", () => {
    describeEventLog(() => {
      const writer = () => new DynamoDbExecutionStore(DynamoDBDocumentClient.from(new DynamoDBClient(motoClientConfig())), table);
      return { writers: [writer(), writer()], reader: store };
    });
  });
});
