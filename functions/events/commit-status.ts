import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { awsCommitStatuses } from '../../lib/compose/aws-commit-statuses';
import type { PipelineEvent } from '../../lib/core/events';

const logger = new Logger();

/**
 * A pipeline execution's state change (the rule's pattern is COMMIT_STATUS_EVENT_PATTERN), reported
 * as the GitHub commit status of the commit a webhook started it for.
 */
export const handler = middy(async (event: EventBridgeEvent<string, Record<string, unknown>>) => {
  const statuses = awsCommitStatuses((message) => logger.warn(message));
  statuses.executionChanged(event as unknown as PipelineEvent);
  await statuses.settled();
}).use(injectLambdaContext(logger));
