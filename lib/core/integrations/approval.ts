import { TASK_FUNCTIONS } from '../task-functions';
import type { TaskState } from '../asl';
import { LAMBDA_TRANSIENT } from '../task-retries';
import { LAMBDA_INVOKE_WAIT, type ActionIntegration } from './action-integration';

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
  states({ stateName, functions, payload, timeoutSeconds, catchTo }) {
    const name = stateName();
    const state: TaskState = {
      Type: 'Task',
      Resource: LAMBDA_INVOKE_WAIT,
      Parameters: {
        FunctionName: functions[TASK_FUNCTIONS.requestApproval],
        Payload: { step: 'requestApproval', ...payload, 'taskToken.$': '$$.Task.Token' },
      },
      ResultPath: null,
      ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
      Retry: [LAMBDA_TRANSIENT],
      ...(catchTo ? { Catch: catchTo } : {}),
    };
    return { startAt: name, states: { [name]: state }, exits: [name], tasks: { [name]: 'requestApproval' } };
  },
};
