import { LAMBDA_TRANSIENT } from '../task-retries';
import { lambdaTaskStates, type ActionIntegration } from './action-integration';

/** Days a Manual approval waits before it expires, as in CodePipeline. */
const APPROVAL_TIMEOUT_MINUTES = 7 * 24 * 60;

/**
 * The approval request function records the approval and tells the approvers; the Task waits on
 * its token until a decision or the timeout. It keeps no result (ResultPath null), even when the
 * action has a namespace.
 */
export const approvalIntegration: ActionIntegration = {
  keepsResult: false,
  defaultTimeoutMinutes: APPROVAL_TIMEOUT_MINUTES,
  states(context) {
    return lambdaTaskStates(context, 'requestApproval', {
      waitForToken: true,
      result: { ResultPath: null },
      retry: [LAMBDA_TRANSIENT],
    });
  },
};
