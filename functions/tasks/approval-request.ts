import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { builtOnFirstInvocation } from '../../lib/compose/first-invocation';
import type { ActionStepPayload } from '../../lib/core/task-payloads';
import { requestApproval } from '../../lib/execution/approvals';
import { queueJob, type JobDependencies } from '../../lib/execution/custom-action-jobs';
import { heldWhileStopping, type StoppingWaitOf } from './held-while-stopping';

const logger = new Logger();

export interface ApprovalRequestOptions {
  dependencies: () => JobDependencies;
  /** How an approval's or a job's request held by a stop and wait waits, where nothing else holds it. */
  stopping?: StoppingWaitOf;
}

/**
 * The Tasks that then wait on their task token (`$$.Task.Token` in the payload): a Manual
 * approval's request, and a custom action's job, which a job worker polls for.
 * A retry carries a new token, so requestApproval itself makes retries safe (the approval resumes
 * the newest token) instead of the idempotency table, which would answer with the first call's
 * result; a retried job request queues a job with the new token for the action already started.
 */
export const approvalRequest = ({ dependencies, stopping }: ApprovalRequestOptions) =>
  middy(async (payload: ActionStepPayload) => {
    if (payload.step === 'queueJob') {
      const job = await queueJob(dependencies(), payload);
      return { jobId: job.jobId, expiresAt: job.expiresAt };
    }
    const approval = await requestApproval(dependencies(), payload);
    return { status: approval.status, expiresAt: approval.expiresAt };
  })
    .use(injectLambdaContext(logger))
    .use(heldWhileStopping(() => dependencies().store, stopping));

export const handler = builtOnFirstInvocation(async () => {
  const { awsStoppingWait } = await import('../../lib/compose/aws');
  const { awsJobDependencies } = await import('../../lib/compose/aws-jobs');
  return approvalRequest({ dependencies: awsJobDependencies, stopping: awsStoppingWait });
});
