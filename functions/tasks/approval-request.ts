import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { awsDependencies, taskIdempotency } from '../../lib/compose/aws';
import type { ActionStepPayload } from '../../lib/core/task-payloads';
import { requestApproval } from '../../lib/execution/approvals';

const logger = new Logger();

/**
 * A Manual approval's Task, which then waits on its task token (`$$.Task.Token` in the payload).
 * The answer leaves out the approval's id, nonce and token: it is kept in the idempotency table.
 */
export const handler = middy(async (payload: ActionStepPayload) => {
  const approval = await requestApproval(awsDependencies(), payload);
  return { status: approval.status, expiresAt: approval.expiresAt };
})
  .use(injectLambdaContext(logger))
  .use(makeHandlerIdempotent(taskIdempotency()));
