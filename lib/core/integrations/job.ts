import { TASK_FUNCTIONS } from '../task-functions';
import type { TaskState } from '../asl';
import { LAMBDA_TRANSIENT } from '../task-retries';
import { LAMBDA_INVOKE_WAIT, type ActionIntegration } from './action-integration';

/** CodePipeline times out every action without a documented timeout of its own, custom actions included, after one hour. */
export const JOB_TIMEOUT_MINUTES = 60;

/**
 * A custom action: the job request function queues a job for the action's type, and the Task
 * waits on its token until a job worker reports success or failure, or the timeout. The worker's
 * success hands over the result itself (no Lambda `Payload` around it), which the actions after it read.
 */
export const jobIntegration: ActionIntegration = {
  keepsResult: true,
  defaultTimeoutMinutes: JOB_TIMEOUT_MINUTES,
  states({ stateName, functions, payload, result, timeoutSeconds, catchTo }) {
    const name = stateName();
    const state: TaskState = {
      Type: 'Task',
      Resource: LAMBDA_INVOKE_WAIT,
      Parameters: {
        FunctionName: functions[TASK_FUNCTIONS.queueJob],
        Payload: { step: 'queueJob', ...payload, 'taskToken.$': '$$.Task.Token' },
      },
      ...(result.ResultSelector ? { ResultSelector: { 'artifacts.$': '$.artifacts', 'variables.$': '$.variables' } } : {}),
      ResultPath: result.ResultPath ?? null,
      ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
      Retry: [LAMBDA_TRANSIENT],
      ...(catchTo ? { Catch: catchTo } : {}),
    };
    return { startAt: name, states: { [name]: state }, exits: [name], tasks: { [name]: 'queueJob' } };
  },
};
