import type { ChoiceState, PassState, TaskState, WaitState } from '../asl';
import { FIRST_CALL_RUNNING, LAMBDA_TRANSIENT } from '../task-retries';
import { lambdaTaskStates, type ActionIntegration } from './action-integration';

/** The states a look enters, each a state transition: the Wait, the runner's Task, and the Choice on its answer. */
export const STATES_PER_LOOK = 3;

/** Where a polling action keeps what its last run answered, between its runs. */
const POLLING = '$.polling';

/**
 * The action runs in the action runner, again after a Wait for as long as it answers that it is
 * in progress (a stack that is still updating, a deployment that has not reached a steady state):
 * no Lambda invocation waits for the work, however long it takes. Each run hands the next one what
 * the last answered; the first starts from an empty `polling`.
 */
export const pollingRunnerIntegration: ActionIntegration = {
  keepsResult: true,
  states(context) {
    const { stateName, payload, result } = context;
    const names = { start: stateName('start'), run: stateName(), done: stateName('in progress?'), wait: stateName('wait'), result: stateName('result') };
    const task = lambdaTaskStates({ ...context, payload: { ...payload, 'polling.$': POLLING } }, 'runAction', {
      waitForToken: false,
      result: { ResultSelector: { 'answer.$': '$.Payload' }, ResultPath: POLLING },
      retry: [LAMBDA_TRANSIENT, FIRST_CALL_RUNNING],
    });
    // lambdaTaskStates keeps the answer under `answer`; the next run and the result read it from there.
    const answer = `${POLLING}.answer`;
    const runState = task.states[names.run] as TaskState;
    const start: PassState = { Type: 'Pass', Parameters: {}, ResultPath: POLLING, Next: names.run };
    const done: ChoiceState = { Type: 'Choice', Choices: [{ Variable: `${answer}.inProgress`, IsPresent: true, Next: names.wait }], Default: names.result };
    const wait: WaitState = { Type: 'Wait', SecondsPath: `${answer}.inProgress.afterSeconds`, Next: names.run };
    const kept: PassState = result.ResultSelector
      ? { Type: 'Pass', Parameters: { 'artifacts.$': `${answer}.artifacts`, 'variables.$': `${answer}.variables` }, ResultPath: result.ResultPath ?? null }
      : { Type: 'Pass', ResultPath: null };
    return {
      startAt: names.start,
      states: { [names.start]: start, [names.run]: { ...runState, Next: names.done }, [names.done]: done, [names.wait]: wait, [names.result]: kept },
      exits: [names.result],
      tasks: task.tasks,
    };
  },
};
