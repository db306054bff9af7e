import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { IdempotencyLambdaHandlerOptions } from '@aws-lambda-powertools/idempotency/types';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { builtOnFirstInvocation } from '../../lib/compose/first-invocation';
import { BadInputError } from '../../lib/core/errors';
import type { ConditionStepPayload, ConditionStepResult } from '../../lib/core/rules';
import type { ActionInProgress, ActionStepPayload, ActionStepResult, PreparedBuild } from '../../lib/core/task-payloads';
import { withinFunctionTime } from '../../lib/execution/action-deadline';
import { runAction } from '../../lib/execution/action-steps';
import { completeBuild, failBuild, prepareBuild } from '../../lib/execution/codebuild-steps';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { checkConditions } from '../../lib/execution/rule-steps';
import type { TaskContext } from '../../lib/ports/task-context';
import { heldWhileStopping, type StoppingWaitOf } from './held-while-stopping';

/** Time kept back from the Lambda timeout, so that an aborted action still records its failure and log. */
const WIND_DOWN_MS = 15_000;

const logger = new Logger();

export interface ActionRunnerOptions {
  dependencies: () => ExecutionDependencies;
  idempotency: IdempotencyLambdaHandlerOptions;
  /** How an action's start held by a stop and wait waits, where nothing else holds it. */
  stopping?: StoppingWaitOf;
}

/** The Tasks of every action that Sluice runs itself, the steps around a CodeBuild build, and the rules of stage conditions. */
export const actionRunner = ({ dependencies, idempotency, stopping }: ActionRunnerOptions) =>
  middy(
    (
      payload: ActionStepPayload | ConditionStepPayload,
      context: TaskContext,
    ): Promise<ActionStepResult | ActionInProgress | PreparedBuild | ConditionStepResult> => {
      const deps = dependencies();
      switch (payload.step) {
        case 'runAction':
          return withinFunctionTime(context, WIND_DOWN_MS, (signal) => runAction(deps, payload, signal));
        case 'prepareBuild':
          return prepareBuild(deps, payload);
        case 'completeBuild':
          return completeBuild(deps, payload);
        case 'failBuild':
          return failBuild(deps, payload);
        case 'checkBeforeEntry':
        case 'checkOnSuccess':
        case 'checkOnFailure':
          return withinFunctionTime(context, WIND_DOWN_MS, (signal) => checkConditions(deps, payload, signal));
        case 'requestApproval':
        case 'queueJob':
          throw new BadInputError(`${payload.step} belongs to the approval-request function, not the action runner.`);
      }
    },
  )
    .use(injectLambdaContext(logger))
    .use(heldWhileStopping(() => dependencies().store, stopping))
    .use(makeHandlerIdempotent(idempotency));

export const handler = builtOnFirstInvocation(async () => {
  const { awsStoppingWait } = await import('../../lib/compose/aws');
  const { awsActionDependencies } = await import('../../lib/compose/aws-actions');
  const { taskIdempotency } = await import('../../lib/compose/aws-idempotency');
  return actionRunner({ dependencies: awsActionDependencies, idempotency: taskIdempotency(), stopping: awsStoppingWait });
});
