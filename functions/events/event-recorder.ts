import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';

const logger = new Logger();

/** Every pipeline event on the bus, written to the function's log as one structured entry. */
export const handler = middy(async (event: EventBridgeEvent<string, Record<string, unknown>>) => {
  logger.info('Pipeline event', { detailType: event['detail-type'], source: event.source, time: event.time, detail: event.detail });
}).use(injectLambdaContext(logger));
