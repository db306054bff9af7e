import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { awsDependencies, taskIdempotency } from '../../lib/compose/aws';
import type { StageStepPayload } from '../../lib/core/task-payloads';
import { runStageStep } from '../../lib/execution/stage-steps';

const logger = new Logger();

/** The enter, exit and failure Tasks of every stage. */
export const handler = middy((payload: StageStepPayload) => runStageStep(awsDependencies(), payload))
  .use(injectLambdaContext(logger))
  .use(makeHandlerIdempotent(taskIdempotency()));
