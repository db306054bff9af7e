import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { IdempotencyLambdaHandlerOptions } from '@aws-lambda-powertools/idempotency/types';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { builtOnFirstInvocation } from '../../lib/compose/first-invocation';
import type { StageStepPayload } from '../../lib/core/task-payloads';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { runStageStep } from '../../lib/execution/stage-steps';
import { heldWhileStopping, type StoppingWaitOf } from './held-while-stopping';

const logger = new Logger();

export interface StageStepOptions {
  dependencies: () => ExecutionDependencies;
  idempotency: IdempotencyLambdaHandlerOptions;
  /** How an enter or exit held by a stop and wait waits, where nothing else holds it. */
  stopping?: StoppingWaitOf;
}

/** The enter, exit and failure Tasks of every stage. */
export const stageStep = ({ dependencies, idempotency, stopping }: StageStepOptions) =>
  middy((payload: StageStepPayload) => runStageStep(dependencies(), payload))
    .use(injectLambdaContext(logger))
    .use(heldWhileStopping(() => dependencies().store, stopping))
    .use(makeHandlerIdempotent(idempotency));

export const handler = builtOnFirstInvocation(async () => {
  const { awsDependencies, awsStoppingWait } = await import('../../lib/compose/aws');
  const { taskIdempotency } = await import('../../lib/compose/aws-idempotency');
  return stageStep({ dependencies: awsDependencies, idempotency: taskIdempotency(), stopping: awsStoppingWait });
});
