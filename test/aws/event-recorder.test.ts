import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { DETAIL_TYPES, pipelineEvent } from '../../lib/core/events';
import { httpFunctionEnvironment } from './support/http-function';
import { ACCOUNT, REGION, motoClientConfig, uniqueName } from './support/moto-clients';

const context = { awsRequestId: 'test-request', functionName: 'sluice-test-eventRecorder', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** A pipeline event as EventBridge hands it to the function; a redelivery has the same id. */
function busEvent(executionId: string, id: string) {
  const event = pipelineEvent(DETAIL_TYPES.pipeline, { pipeline: 'webapp', version: 1, 'execution-id': executionId, state: 'STARTED' }, {
    id,
    time: new Date().toISOString(),
    pipelineArn: `arn:aws:codepipeline:${REGION}:${ACCOUNT}:webapp`,
  });
  return event as unknown as EventBridgeEvent<string, Record<string, unknown>>;
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
      gitHubTokenSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:unused`,
      stateMachineRoleArn: `arn:aws:iam::${ACCOUNT}:role/unused`,
    });
    // The idempotency table as serverless.yml declares it.
    await dynamodb.send(new CreateTableCommand({
      TableName: environment.IDEMPOTENCY_TABLE_NAME,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }));
    Object.assign(process.env, environment);
    ({ handler } = await import('../../functions/events/event-recorder'));
  });

  afterAll(() => {
    process.env = saved;
    dynamodb.destroy();
  });

  it('records an event that EventBridge delivers twice once, and every other event', async () => {
    const executionId = randomUUID();
    const first = busEvent(executionId, randomUUID());

    await handler(first, context);
    await handler(first, context);
    await handler(busEvent(executionId, randomUUID()), context);

    const recorded = await store.listEvents(executionId);
    expect(recorded).toHaveLength(2);
    expect(recorded[0]!.id).toBe(first.id);
  });
});
