import { TASK_FUNCTIONS } from '../task-functions';
import type { TaskState } from '../asl';
import { FIRST_CALL_RUNNING, LAMBDA_TRANSIENT } from '../task-retries';
import { LAMBDA_INVOKE, type ActionIntegration } from './action-integration';

/** The action runs in the action runner function, one `lambda:invoke` Task. */
export const actionRunnerIntegration: ActionIntegration = {
  keepsResult: true,
  states({ stateName, functions, payload, result, timeoutSeconds, catchTo }) {
    const name = stateName();
    const state: TaskState = {
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: functions[TASK_FUNCTIONS.runAction], Payload: { step: 'runAction', ...payload } },
      ...result,
      ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
      Retry: [LAMBDA_TRANSIENT, FIRST_CALL_RUNNING],
      ...(catchTo ? { Catch: catchTo } : {}),
    };
    return { startAt: name, states: { [name]: state }, exits: [name], tasks: { [name]: 'runAction' } };
  },
};
