import { readdir } from 'node:fs/promises';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { DynamoDbApprovalStore } from '../../lib/adapters/aws/dynamodb-approval-store';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { OutboxMails } from '../../lib/adapters/local/outbox-mails';
import { OutboxNotifier } from '../../lib/adapters/local/outbox-notifier';
import { actionLogKey } from '../../lib/artifacts/action-log';
import { pruneExecutions, type PruneDependencies } from '../../lib/execution/prune-executions';
import type { ApprovalRecord } from '../../lib/ports/approval-store';
import type { PipelineExecutionRecord } from '../../lib/ports/execution-store';
import { stackPerSuite } from '../support/embedded-stack';

const TABLE = 'sluice';
const BUCKET = 'sluice-artifacts';
/** The artifact store that one pipeline declares: its executions keep their artifacts and logs there. */
const OWN_BUCKET = 'stored-artifacts';
const NOW = new Date('2026-06-01T00:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60 * 1000).toISOString();
const nowSeconds = Math.floor(NOW.getTime() / 1000);

describe('pruneExecutions on the embedded stack', () => {
  const suite = stackPerSuite();
  let deps: PruneDependencies;
  let store: DynamoDbExecutionStore;
  let approvals: DynamoDbApprovalStore;
  let blobs: S3BlobStore;
  let documents: DynamoDBDocumentClient;
  let outbox: OutboxNotifier;

  /** An execution with a stage, an action with an output artifact, a log, an event, a mail, and optionally an approval. */
  async function seed(
    pipelineName: string,
    id: string,
    status: PipelineExecutionRecord['status'],
    endedDaysAgo: number,
    extra: { approval?: boolean; foreignArtifact?: boolean; artifactBucket?: string } = {},
  ) {
    const time = daysAgo(endedDaysAgo);
    const bucketName = extra.artifactBucket ?? BUCKET;
    await store.createExecution({
      pipelineName,
      pipelineVersion: 1,
      pipelineExecutionId: id,
      status,
      startTime: time,
      lastUpdateTime: time,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' },
      variables: {},
      ...(extra.artifactBucket ? { artifactStore: { bucketName } } : {}),
    });
    await store.putStage({ pipelineExecutionId: id, stageName: 'Build', status: 'Succeeded', startTime: time, lastUpdateTime: time });
    const artifact = { bucketName, objectKey: `${pipelineName}/Out/${id}.zip` };
    await blobs.put(artifact, `zip of ${id}`);
    const foreign = { bucketName: 'user-bucket', objectKey: `${pipelineName}/Out/${id}.zip` };
    if (extra.foreignArtifact) await blobs.put(foreign, "the user's own object");
    await blobs.put({ bucketName, objectKey: actionLogKey({ pipelineName, executionId: id, stageName: 'Build', actionName: 'Compile' }) }, `log of ${id}`);
    const approvalId = `approval-of-${id}`;
    if (extra.approval) await approvals.createApproval(approval(pipelineName, id, approvalId));
    await store.putAction({
      pipelineExecutionId: id,
      stageName: 'Build',
      actionName: 'Compile',
      actionExecutionId: `${id}-compile`,
      status: status === 'InProgress' ? 'InProgress' : 'Succeeded',
      startTime: time,
      lastUpdateTime: time,
      input: {
        actionTypeId: { category: 'Build', owner: 'AWS', provider: 'Commands', version: '1' },
        configuration: {},
        resolvedConfiguration: {},
        inputArtifacts: [],
      },
      output: {
        outputArtifacts: [{ name: 'Out', s3location: artifact }, ...(extra.foreignArtifact ? [{ name: 'Elsewhere', s3location: foreign }] : [])],
        outputVariables: {},
      },
      ...(extra.approval ? { approval: { token: `token-of-${id}`, approvalId } } : {}),
    });
    await store.recordEvent({
      version: '0',
      id: `event-${id}`,
      'detail-type': 'CodePipeline Pipeline Execution State Change',
      source: 'sluice',
      account: '000000000000',
      time,
      region: 'local',
      resources: [],
      detail: { pipeline: pipelineName, version: 1, 'execution-id': id, 'start-time': time, 'pipeline-execution-attempt': 1, state: 'STARTED' },
    });
    await outbox.send({ to: ['dev@example.com'], subject: `[Sluice] ${pipelineName}: ${id}`, text: 'mail\n', executionId: id });
  }

  function approval(pipelineName: string, executionId: string, approvalId: string): ApprovalRecord {
    return {
      approvalId,
      token: `token-of-${executionId}`,
      taskToken: 'task',
      nonce: 'nonce',
      pipelineName,
      pipelineVersion: 1,
      pipelineExecutionId: executionId,
      stageName: 'Build',
      actionName: 'Compile',
      status: 'Pending',
      createdAt: daysAgo(300),
      expiresAt: daysAgo(293),
    };
  }

  async function tableItems(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: documents }, { TableName: TABLE })) items.push(...(page.Items ?? []));
    return items;
  }

  /** Everything Sluice stored that names the execution: items, artifact bucket keys and mail files. */
  async function traces(executionId: string): Promise<string[]> {
    const items = (await tableItems()).filter((item) => JSON.stringify(item).includes(executionId)).map((item) => `${item.pk as string} ${item.sk as string}`);
    const objects = [...(await blobs.listKeys(BUCKET, '')), ...(await blobs.listKeys(OWN_BUCKET, ''))].filter((key) => key.includes(executionId));
    const mails = (await readdir(outbox.directory)).filter((name) => name.includes(executionId.toLowerCase()));
    return [...items, ...objects, ...mails];
  }

  beforeAll(async () => {
    await ensureExecutionTable(suite.test.clients.dynamodb, TABLE);
    documents = DynamoDBDocumentClient.from(suite.test.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    store = new DynamoDbExecutionStore(documents, TABLE);
    approvals = new DynamoDbApprovalStore(documents, TABLE);
    blobs = new S3BlobStore(suite.test.clients.s3);
    await blobs.ensureBucket(BUCKET);
    await blobs.ensureBucket('user-bucket');
    await blobs.ensureBucket(OWN_BUCKET);
    outbox = new OutboxNotifier({ dataDir: suite.scratch, from: 'sluice@localhost', write: () => undefined });
    deps = { store, approvals, blobs, artifactBucket: BUCKET, mails: new OutboxMails(suite.scratch), clock: () => NOW };

    await seed('webapp', 'old-1', 'Succeeded', 120, { approval: true, foreignArtifact: true });
    await seed('webapp', 'old-2', 'Failed', 95);
    await seed('webapp', 'recent-1', 'Succeeded', 3);
    await seed('webapp', 'recent-2', 'Stopped', 2);
    await seed('webapp', 'waiting-1', 'InProgress', 200, { approval: true });
    await seed('deleted-pipeline', 'gone-1', 'Succeeded', 100);
    await seed('stored', 'own-1', 'Succeeded', 100, { artifactBucket: OWN_BUCKET });
    await store.recordDelivery('expired-delivery', nowSeconds - 1, nowSeconds - 600);
    await store.recordDelivery('live-delivery', nowSeconds + 600, nowSeconds - 600);
  });

  it('in a dry run, reports what would go and deletes nothing', async () => {
    const before = { items: (await tableItems()).length, objects: (await blobs.listKeys(BUCKET, '')).length, mails: (await readdir(outbox.directory)).length };

    const report = await pruneExecutions(deps, { keepDays: 90 }, { dryRun: true });

    expect(report).toEqual({
      dryRun: true,
      policy: { keepDays: 90 },
      pipelines: [
        { pipelineName: 'deleted-pipeline', executions: 1, artifacts: 1, logs: 1, mails: 1 },
        { pipelineName: 'stored', executions: 1, artifacts: 1, logs: 1, mails: 1 },
        { pipelineName: 'webapp', executions: 2, artifacts: 2, logs: 2, mails: 2 },
      ],
      expiredDeliveries: 1,
    });
    expect({ items: (await tableItems()).length, objects: (await blobs.listKeys(BUCKET, '')).length, mails: (await readdir(outbox.directory)).length }).toEqual(
      before,
    );
  });

  it('finishes an execution whose prune was interrupted: the execution stays listed until all else has gone', async () => {
    let deletions = 0;
    const failing = {
      ...deps,
      blobs: {
        listKeys: blobs.listKeys.bind(blobs),
        delete: async (location: Parameters<S3BlobStore['delete']>[0]) => {
          if (++deletions > 1) throw new Error('interrupted');
          await blobs.delete(location);
        },
      },
    };

    await expect(pruneExecutions(failing, { keepDays: 90 })).rejects.toThrow('interrupted');

    expect((await store.listAllExecutions()).map((execution) => execution.pipelineExecutionId)).toEqual(
      expect.arrayContaining(['old-1', 'old-2', 'gone-1', 'own-1']),
    );
  });

  it('deletes the executions outside the policy with their records, artifacts, logs, approvals, events and mails, and sweeps expired delivery ids', async () => {
    const report = await pruneExecutions(deps, { keepDays: 90 });

    expect(report.pipelines).toEqual([
      { pipelineName: 'deleted-pipeline', executions: 1, artifacts: 1, logs: 1, mails: 1 },
      { pipelineName: 'stored', executions: 1, artifacts: 1, logs: 1, mails: 1 },
      { pipelineName: 'webapp', executions: 2, artifacts: 2, logs: 2, mails: 2 },
    ]);
    expect(report.expiredDeliveries).toBe(1);
    for (const id of ['old-1', 'old-2', 'gone-1', 'own-1']) expect(await traces(id)).toEqual([]);
    expect(await approvals.getApproval('approval-of-old-1')).toBeUndefined();
    expect(await blobs.head({ bucketName: 'user-bucket', objectKey: 'webapp/Out/old-1.zip' })).toMatchObject({ contentLength: 21 });
    expect((await tableItems()).map((item) => item.pk)).not.toContain('DELIVERY#expired-delivery');
    expect(await store.recordDelivery('live-delivery', nowSeconds + 600, nowSeconds)).toBe(false);
  });

  it('leaves kept and running executions whole: records, artifacts, logs, approvals and mails', async () => {
    for (const id of ['recent-1', 'recent-2', 'waiting-1']) {
      expect(await store.getExecution(id)).toBeDefined();
      expect(await store.listStages(id)).toHaveLength(1);
      expect(await store.listActions(id)).toHaveLength(1);
      expect(await store.listEvents(id)).toHaveLength(1);
      expect(await blobs.listKeys(BUCKET, `webapp/logs/${id}/`)).toHaveLength(1);
      expect(await blobs.head({ bucketName: BUCKET, objectKey: `webapp/Out/${id}.zip` })).toBeDefined();
      expect((await deps.mails.mailsByExecution()).get(id)).toHaveLength(1);
    }
    expect(await approvals.getApproval('approval-of-waiting-1')).toMatchObject({ status: 'Pending' });
  });

  it('lets the newest N of each pipeline stay, and never counts or touches a running execution', async () => {
    const report = await pruneExecutions(deps, { keepExecutions: 1 });

    expect(report.pipelines).toEqual([{ pipelineName: 'webapp', executions: 1, artifacts: 1, logs: 1, mails: 1 }]);
    expect(await store.getExecution('recent-1')).toBeUndefined();
    expect(await store.getExecution('recent-2')).toBeDefined();
    expect(await store.getExecution('waiting-1')).toMatchObject({ status: 'InProgress' });
    expect(await pruneExecutions(deps, { keepExecutions: 1, keepDays: 1 })).toMatchObject({
      pipelines: [{ pipelineName: 'webapp', executions: 1 }],
      expiredDeliveries: 0,
    });
    expect((await store.listAllExecutions()).map((execution) => execution.pipelineExecutionId)).toEqual(['waiting-1']);
  });
});
