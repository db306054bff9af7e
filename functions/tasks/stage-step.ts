import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { IdempotencyLambdaHandlerOptions } from '@aws-lambda-powertools/idempotency/types';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { builtOnFirstInvocation } from '../../lib/compose/first-invocation';
import type { StageStepPayload } from '../../lib/core/task-payloads';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { runStageStep } from '../../lib/execution/stage-steps';

const logger = new Logger();

export interface StageStepOptions {
  dependencies: () => ExecutionDependencies;
  idempotency: IdempotencyLambdaHandlerOptions;
}

/** The enter, exit and failure Tasks of every stage. */
export const stageStep = ({ dependencies, idempotency }: StageStepOptions) =>
  middy((payload: StageStepPayload) => runStageStep(dependencies(), payload))
    .use(injectLambdaContext(logger))
    .use(makeHandlerIdempotent(idempotency));

export const handler = builtOnFirstInvocation(async () => {
  const { awsDependencies, taskIdempotency } = await import('../../lib/compose/aws');
  return stageStep({ dependencies: awsDependencies, idempotency: taskIdempotency() });
});
