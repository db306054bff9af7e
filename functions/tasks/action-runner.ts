import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { awsDependencies, taskIdempotency } from '../../lib/compose/aws';
import { BadInputError } from '../../lib/core/errors';
import type { ActionStepPayload, ActionStepResult, PreparedBuild } from '../../lib/core/task-payloads';
import { runAction } from '../../lib/execution/action-steps';
import { completeBuild, failBuild, prepareBuild } from '../../lib/execution/codebuild-steps';

/** Time kept back from the Lambda timeout, so that an aborted action still records its failure and log. */
const WIND_DOWN_MS = 15_000;

const logger = new Logger();

/** The Tasks of every action that Sluice runs itself, and the steps around a CodeBuild build. */
export const handler = middy((payload: ActionStepPayload, context: Context): Promise<ActionStepResult | PreparedBuild> => {
  const deps = awsDependencies();
  switch (payload.step) {
    case 'runAction':
      return runAction(deps, payload, AbortSignal.timeout(Math.max(1, context.getRemainingTimeInMillis() - WIND_DOWN_MS)));
    case 'prepareBuild':
      return prepareBuild(deps, payload);
    case 'completeBuild':
      return completeBuild(deps, payload);
    case 'failBuild':
      return failBuild(deps, payload);
    case 'requestApproval':
      throw new BadInputError('requestApproval belongs to the approval-request function, not the action runner.');
  }
})
  .use(injectLambdaContext(logger))
  .use(makeHandlerIdempotent(taskIdempotency()));
