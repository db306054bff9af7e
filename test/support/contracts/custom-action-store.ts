import { DynamoDbCustomActionStore } from '../../../lib/adapters/aws/dynamodb-custom-action-store';
import type { CustomActionTypeId, CustomActionTypeRecord } from '../../../lib/core/custom-action-types';
import type { JobRecord } from '../../../lib/ports/custom-action-store';
import { executionTableOn, racing, serversForSuite, type ServerKind } from './servers';

const tool = { category: 'Build', provider: 'Tool', version: '1' } as const;

function actionType(version: string): CustomActionTypeRecord {
  return {
    id: { ...tool, version },
    configurationProperties: [{ name: 'Target', required: true, key: true, secret: false, queryable: true }],
    inputArtifactDetails: { minimumCount: 0, maximumCount: 1 },
    outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
    created: '2025-01-01T00:00:00.000Z',
  };
}

function job(jobId: string, createdAt: string, actionTypeId: CustomActionTypeId = tool): JobRecord {
  return {
    jobId,
    nonce: `${jobId}-nonce`,
    status: 'Queued',
    taskToken: `${jobId}-task-token`,
    actionTypeId: { ...actionTypeId },
    pipelineName: 'webapp',
    pipelineVersion: 1,
    pipelineExecutionId: 'e-jobs',
    stageName: 'Build',
    actionName: 'Tool',
    actionExecutionId: 'a-1',
    actionConfiguration: { Target: 'x' },
    inputArtifacts: [],
    outputArtifacts: [],
    createdAt,
    expiresAt: '2025-01-01T01:00:00.000Z',
  };
}

/** What the CustomActionStore port promises, of DynamoDbCustomActionStore on a table of its own on the servers of `kind`. */
export function describeCustomActionStoreContract(kind: ServerKind): void {
  describe(`DynamoDbCustomActionStore on ${kind.name}`, () => {
    const servers = serversForSuite(kind);
    let store: DynamoDbCustomActionStore;

    beforeAll(async () => {
      const { documents, table } = await executionTableOn(servers(), 'sluice-custom-actions');
      store = new DynamoDbCustomActionStore(documents, table);
    });

    it('keeps one type per category, provider and version, and lists those not deleted; a deleted one stays deleted', async () => {
      expect(await store.createActionType(actionType('1'))).toBe(true);
      expect(await store.createActionType({ ...actionType('1'), created: 'later' })).toBe(false);
      expect(await store.createActionType(actionType('2'))).toBe(true);
      expect(await store.getActionType(tool)).toEqual(actionType('1'));
      expect((await store.listActionTypes()).map((type) => type.id.version).sort()).toEqual(['1', '2']);

      expect(await store.deleteActionType({ ...tool, version: '2' }, '2025-01-02T00:00:00.000Z')).toBe(true);
      expect(await store.deleteActionType({ ...tool, version: '2' }, '2025-01-03T00:00:00.000Z')).toBe(false);
      expect(await store.deleteActionType({ ...tool, version: '3' }, '2025-01-03T00:00:00.000Z')).toBe(false);
      expect((await store.listActionTypes()).map((type) => type.id.version)).toEqual(['1']);
      expect(await store.getActionType({ ...tool, version: '2' })).toEqual({ ...actionType('2'), deletedAt: '2025-01-02T00:00:00.000Z' });
      expect(await store.createActionType(actionType('2'))).toBe(false);
    });

    it("queues a type's jobs oldest first, and a job leaves the queue when it moves on", async () => {
      const other = { ...tool, provider: 'Other' };
      await store.createJob(job('second', '2025-01-01T00:00:02.000Z'));
      await store.createJob(job('first', '2025-01-01T00:00:01.000Z'));
      await store.createJob(job('elsewhere', '2025-01-01T00:00:00.000Z', other));
      expect((await store.listQueuedJobs(tool, 10)).map((entry) => entry.jobId)).toEqual(['first', 'second']);
      expect((await store.listQueuedJobs(tool, 1)).map((entry) => entry.jobId)).toEqual(['first']);

      const dispatched = await store.moveJob('first', ['Queued'], 'Dispatched', { nonce: 'new-nonce' });
      expect(dispatched).toEqual({ ...job('first', '2025-01-01T00:00:01.000Z'), status: 'Dispatched', nonce: 'new-nonce' });
      expect((await store.listQueuedJobs(tool, 10)).map((entry) => entry.jobId)).toEqual(['second']);
      expect(await store.moveJob('first', ['Queued'], 'Dispatched')).toBeUndefined();
      expect(await store.moveJob('missing', ['Queued'], 'Dispatched')).toBeUndefined();
      expect(await store.getJob('missing')).toBeUndefined();
    });

    it('lets exactly one of two workers dispatch the same job', async () => {
      await store.createJob(job('race', '2025-01-01T00:00:03.000Z'));

      const outcomes = await racing(kind, [
        () => store.moveJob('race', ['Queued'], 'Dispatched', { nonce: 'alice' }),
        () => store.moveJob('race', ['Queued'], 'Dispatched', { nonce: 'bob' }),
      ]);

      const winners = outcomes.filter((outcome) => outcome !== undefined);
      expect(winners).toHaveLength(1);
      expect(await store.getJob('race')).toEqual(winners[0]);
    });
  });
}
