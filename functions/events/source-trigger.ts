import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { awsDependencies, awsStartInBackground } from '../../lib/compose/aws';
import { BadInputError } from '../../lib/core/errors';
import { handleSourceEvent } from '../../lib/execution/source-change-trigger';

const logger = new Logger();

/**
 * CodeCommit branch changes, new S3 objects and ECR image pushes, from the default bus: each
 * starts, on Step Functions, the pipelines whose source it changed. The store records each event's
 * id, so a redelivery starts nothing twice without Powertools idempotency.
 */
export const handler = middy(async (event: EventBridgeEvent<string, unknown>) => {
  const { store, clock } = awsDependencies();
  try {
    const outcome = await handleSourceEvent({ store, clock, start: awsStartInBackground() }, event);
    logger.info('Source change', { eventId: event.id, detailType: event['detail-type'], outcome });
  } catch (error) {
    // Retrying an event that is not a source change cannot help: it is logged and dropped.
    if (!(error instanceof BadInputError)) throw error;
    logger.error('Not a source change', { error, event });
  }
}).use(injectLambdaContext(logger));
