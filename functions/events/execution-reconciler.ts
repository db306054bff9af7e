import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { awsDependencies } from '../../lib/compose/aws';
import { eventIdempotency } from '../../lib/compose/aws-idempotency';
import type { StateMachineExecutionChange } from '../../lib/core/engine-run-end';
import { reconcileExecution } from '../../lib/execution/reconcile-execution';

const logger = new Logger();

/**
 * A state machine execution of the stack that failed, timed out or was aborted (the rule on the
 * default bus in serverless.yml): its pipeline execution ends as failStage would end it, even
 * where failStage never ran. One that failStage ended already is left alone.
 */
export const handler = middy(async (event: EventBridgeEvent<'Step Functions Execution Status Change', StateMachineExecutionChange>) => {
  const outcome = await reconcileExecution(awsDependencies(), event.detail);
  logger.info('State machine execution ended', { executionArn: event.detail.executionArn, status: event.detail.status, outcome });
  // Powertools' middleware keeps a result only when there is one: an undefined one would let a redelivery through.
  return { outcome };
})
  .use(injectLambdaContext(logger))
  .use(makeHandlerIdempotent(eventIdempotency()));
