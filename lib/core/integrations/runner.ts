import { FIRST_CALL_RUNNING, LAMBDA_TRANSIENT } from '../task-retries';
import { lambdaTaskStates, type ActionIntegration } from './action-integration';

/** The action runs in the action runner function, one `lambda:invoke` Task. */
export const actionRunnerIntegration: ActionIntegration = {
  keepsResult: true,
  states(context) {
    return lambdaTaskStates(context, 'runAction', { waitForToken: false, result: context.result, retry: [LAMBDA_TRANSIENT, FIRST_CALL_RUNNING] });
  },
};
