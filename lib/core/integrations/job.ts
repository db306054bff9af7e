import { LAMBDA_TRANSIENT } from '../task-retries';
import { lambdaTaskStates, type ActionIntegration } from './action-integration';

/** CodePipeline times out every action without a documented timeout of its own, custom actions included, after one hour. */
export const JOB_TIMEOUT_MINUTES = 60;

/** CodePipeline's Lambda invoke action runs for 24 hours at most, however often its function continues it. */
export const LAMBDA_JOB_TIMEOUT_MINUTES = 24 * 60;

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

/**
 * A Lambda invoke action: the job request function queues the job as the custom action's does,
 * and starts the action's function with it; the Task waits on its token until the function reports.
 */
export const lambdaJobIntegration: ActionIntegration = { ...jobIntegration, defaultTimeoutMinutes: LAMBDA_JOB_TIMEOUT_MINUTES };
