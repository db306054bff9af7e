import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { publishedEvent } from '../../lib/adapters/aws/eventbridge-bus';
import { awsExecutionStore } from '../../lib/compose/aws-execution-store';
import { eventIdempotency } from '../../lib/compose/aws-idempotency';

const logger = new Logger();

/**
 * Every pipeline event on the bus, kept with its execution for `sluice events` with the id and
 * time it was published with. A redelivered event is recorded once: `sluice events` shows one
 * event for each status change.
 */
export const handler = middy(async (event: EventBridgeEvent<string, Record<string, unknown>>) => {
  logger.info('Pipeline event', { detailType: event['detail-type'], detail: event.detail });
  await awsExecutionStore().recordEvent(publishedEvent(event));
  // Powertools' middleware keeps a result only when there is one: an undefined one would let a redelivery through.
  return { recorded: event.id };
})
  .use(injectLambdaContext(logger))
  .use(makeHandlerIdempotent(eventIdempotency()));
