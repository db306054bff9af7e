import { LAMBDA_TRANSIENT } from '../task-retries';
import { lambdaTaskStates, type ActionIntegration } from './action-integration';

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
  states(context) {
    return lambdaTaskStates(context, 'queueJob', {
      waitForToken: true,
      result: {
        ...(context.result.ResultSelector ? { ResultSelector: { 'artifacts.$': '$.artifacts', 'variables.$': '$.variables' } } : {}),
        ResultPath: context.result.ResultPath ?? null,
      },
      retry: [LAMBDA_TRANSIENT],
    });
  },
};
