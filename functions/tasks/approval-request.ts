import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { awsDependencies } from '../../lib/compose/aws';
import type { ActionStepPayload } from '../../lib/core/task-payloads';
import { requestApproval } from '../../lib/execution/approvals';

const logger = new Logger();

/**
 * A Manual approval's Task, which then waits on its task token (`$$.Task.Token` in the payload).
 * A retry carries a new token, so requestApproval itself makes retries safe (the approval resumes
 * the newest token) instead of the idempotency table, which would answer with the first call's result.
 */
export const handler = middy(async (payload: ActionStepPayload) => {
  const approval = await requestApproval(awsDependencies(), payload);
  return { status: approval.status, expiresAt: approval.expiresAt };
})
  .use(injectLambdaContext(logger));
