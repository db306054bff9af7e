import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { PUBLISHED_AS } from '../../lib/adapters/aws/eventbridge-bus';
import { DETAIL_TYPES, pipelineEvent, type PipelineEvent } from '../../lib/core/events';
import { createIdempotencyTable, httpFunctionEnvironment } from './support/http-function';
import { ACCOUNT, REGION, motoClientConfig, uniqueName } from './support/moto-clients';

const context = { awsRequestId: 'test-request', functionName: 'sluice-test-eventRecorder', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** A pipeline event as Sluice publishes it. */
function published(executionId: string) {
  return pipelineEvent(
    DETAIL_TYPES.pipeline,
    { pipeline: 'webapp', version: 1, 'execution-id': executionId, state: 'STARTED' },
    {
      id: randomUUID(),
      time: new Date().toISOString(),
      pipelineArn: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:webapp`,
      startTime: '2025-01-01T00:00:00.000Z',
    },
  );
}

/**
 * The event as EventBridge hands it to the function: with an id of its own (a redelivery has the
 * same), its time cut to the second, and the published id and time in the detail.
 */
function busEvent(event: PipelineEvent, id = randomUUID()) {
  const delivered = {
    ...event,
    id,
    time: `${event.time.slice(0, 19)}Z`,
    detail: { ...event.detail, [PUBLISHED_AS]: { id: event.id, time: event.time } },
  };
  return delivered as unknown as EventBridgeEvent<string, Record<string, unknown>>;
}

describe('the event recorder on AWS (moto)', () => {
  const dynamodb = new DynamoDBClient(motoClientConfig());
  const table = uniqueName('sluice-events');
  const store = new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb), table);
  const saved = { ...process.env };
  let handler: typeof import('../../functions/events/event-recorder').handler;

  beforeAll(async () => {
    await ensureExecutionTable(dynamodb, table);
    const environment = httpFunctionEnvironment({
      region: REGION,
      stage: 'events',
      table,
      eventBusName: 'sluice-events',
    });
    await createIdempotencyTable(dynamodb, environment);
    Object.assign(process.env, environment);
    ({ handler } = await import('../../functions/events/event-recorder'));
  });

  afterAll(() => {
    process.env = saved;
    dynamodb.destroy();
  });

  it('records an event that EventBridge delivers twice once, and every other event', async () => {
    const executionId = randomUUID();
    const first = busEvent(published(executionId));

    await handler(first, context);
    await handler(first, context);
    await handler(busEvent(published(executionId)), context);

    const recorded = await store.listEvents(executionId);
    expect(recorded).toHaveLength(2);
    expect(recorded[0]!.detail).toEqual(published(executionId).detail);
  });

  it('records the event with the id and millisecond time it was published with, once even when published twice', async () => {
    const event = published(randomUUID());

    // A PutEvents that timed out and was sent again is two deliveries with two EventBridge ids.
    await handler(busEvent(event), context);
    await handler(busEvent(event), context);

    expect(await store.listEvents(event.detail['execution-id'])).toEqual([expect.objectContaining({ id: event.id, time: event.time, detail: event.detail })]);
  });
});
