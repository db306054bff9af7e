import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { awsDependencies } from '../../lib/compose/aws';
import type { PipelineEvent } from '../../lib/core/events';

const logger = new Logger();

/** Every pipeline event on the bus, kept with its execution for `sluice events`. */
export const handler = middy(async (event: EventBridgeEvent<string, Record<string, unknown>>) => {
  logger.info('Pipeline event', { detailType: event['detail-type'], detail: event.detail });
  await awsDependencies().store.recordEvent(event as unknown as PipelineEvent);
}).use(injectLambdaContext(logger));
