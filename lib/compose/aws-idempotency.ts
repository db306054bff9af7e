import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { IdempotencyLambdaHandlerOptions } from '@aws-lambda-powertools/idempotency/types';
import { TASK_IDEMPOTENCY_KEY } from '../core/task-payloads';
import { awsEnvironment } from './aws-environment';
import { functionDynamoDb } from './aws-function-clients';

/** EventBridge delivers an event at least once; a redelivery repeats its id. */
const EVENT_KEY = 'id';

/** Powertools idempotency keyed on `eventKeyJmesPath`, recorded in the idempotency table. */
function idempotencyOn(eventKeyJmesPath: string): IdempotencyLambdaHandlerOptions {
  return {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName: awsEnvironment().idempotencyTableName, awsSdkV3Client: functionDynamoDb() }),
    config: new IdempotencyConfig({ eventKeyJmesPath, throwOnNoIdempotencyKey: true }),
  };
}

/** For the task handlers: one Task of one execution runs once. */
export const taskIdempotency = (): IdempotencyLambdaHandlerOptions => idempotencyOn(TASK_IDEMPOTENCY_KEY);

/** For the handlers of EventBridge events: one event is handled once. */
export const eventIdempotency = (): IdempotencyLambdaHandlerOptions => idempotencyOn(EVENT_KEY);
