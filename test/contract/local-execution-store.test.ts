import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { LocalExecutionStore } from '../../lib/compose/local-execution-store';
import { DETAIL_TYPES, pipelineEvent, type PipelineEvent } from '../../lib/core/events';
import { stackPerSuite } from '../support/embedded-stack';
import { eventMeta } from '../support/pipeline-events';

const TABLE = 'sluice';

describe('the local execution store: events recorded behind their publishers, on the embedded DynamoDB', () => {
  const suite = stackPerSuite();
  let store: LocalExecutionStore;
  let failures: { id: string; message: string }[];

  beforeAll(async () => {
    await ensureExecutionTable(suite.test.clients.dynamodb, TABLE);
    const documents = DynamoDBDocumentClient.from(suite.test.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    store = new LocalExecutionStore(documents, TABLE);
  });
  beforeEach(() => {
    failures = [];
  });

  const record = (event: PipelineEvent) => store.recordBehind(event, (failed, error) => failures.push({ id: failed.id, message: (error as Error).message }));
  const stageEvent = (executionId: string, stage: string, id: string, summary?: string) =>
    pipelineEvent(
      DETAIL_TYPES.stage,
      {
        pipeline: 'webapp',
        version: 1,
        'execution-id': executionId,
        stage,
        state: 'STARTED',
        ...(summary ? { 'execution-result': { 'external-execution-summary': summary } } : {}),
      },
      eventMeta({ id }),
    );

  it('lists every event queued before the read, in the order they were published', async () => {
    const events = ['Source', 'Build', 'Test', 'Deploy'].map((stage, index) => stageEvent('listed', stage, `listed-${index}`));
    for (const event of events) record(event);

    expect(await store.listEvents('listed')).toEqual(events);
    expect(await store.listEvents('listed', 2)).toEqual(events.slice(2));
  });

  it('deletes an execution only after its queued events are recorded, so none outlives it', async () => {
    const events = ['Source', 'Build'].map((stage, index) => stageEvent('deleted', stage, `deleted-${index}`));
    for (const event of events) record(event);
    await store.deleteExecution('deleted');

    await store.eventsRecorded();
    expect(await store.listEvents('deleted')).toEqual([]);
  });

  it('tells of an event it could not record, and records the ones after it', async () => {
    // DynamoDB refuses an item over 400 KB.
    const tooLarge = stageEvent('refused', 'Source', 'refused-0', 'x'.repeat(500 * 1024));
    const next = stageEvent('refused', 'Build', 'refused-1');
    record(tooLarge);
    record(next);
    await store.eventsRecorded();

    expect(failures).toEqual([{ id: 'refused-0', message: expect.stringMatching(/size/i) }]);
    expect(await store.listEvents('refused')).toEqual([next]);
  });
});
