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
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
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
    // Each kind of step loads its module when it first runs: a container that runs actions never
    // loads the rule providers (cron, test reports...), one that checks conditions never loads
    // the CodeBuild steps, and none pays for them all before its first invocation.
    async (
      payload: ActionStepPayload | ConditionStepPayload,
      context: TaskContext,
    ): Promise<ActionStepResult | ActionInProgress | PreparedBuild | ConditionStepResult> => {
      const deps = dependencies();
      switch (payload.step) {
        case 'runAction': {
          const { runAction } = await import('../../lib/execution/action-steps');
          return withinFunctionTime(context, WIND_DOWN_MS, (signal) => runAction(deps, payload, signal));
        }
        case 'prepareBuild':
          return (await import('../../lib/execution/codebuild-steps')).prepareBuild(deps, payload);
        case 'completeBuild':
          return (await import('../../lib/execution/codebuild-steps')).completeBuild(deps, payload);
        case 'failBuild':
          return (await import('../../lib/execution/codebuild-steps')).failBuild(deps, payload);
        case 'checkBeforeEntry':
        case 'checkOnSuccess':
        case 'checkOnFailure': {
          const { checkConditions } = await import('../../lib/execution/rule-steps');
          return withinFunctionTime(context, WIND_DOWN_MS, (signal) => checkConditions(deps, payload, signal));
        }
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
