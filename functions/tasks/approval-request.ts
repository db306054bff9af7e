import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { builtOnFirstInvocation } from '../../lib/compose/first-invocation';
import type { ActionStepPayload } from '../../lib/core/task-payloads';
import { requestApproval, type ApprovalDependencies } from '../../lib/execution/approvals';

const logger = new Logger();

export interface ApprovalRequestOptions {
  dependencies: () => ApprovalDependencies;
}

/**
 * A Manual approval's Task, which then waits on its task token (`$$.Task.Token` in the payload).
 * A retry carries a new token, so requestApproval itself makes retries safe (the approval resumes
 * the newest token) instead of the idempotency table, which would answer with the first call's result.
 */
export const approvalRequest = ({ dependencies }: ApprovalRequestOptions) =>
  middy(async (payload: ActionStepPayload) => {
    const approval = await requestApproval(dependencies(), payload);
    return { status: approval.status, expiresAt: approval.expiresAt };
  }).use(injectLambdaContext(logger));

export const handler = builtOnFirstInvocation(async () => {
  const { awsDependencies } = await import('../../lib/compose/aws');
  return approvalRequest({ dependencies: awsDependencies });
});
