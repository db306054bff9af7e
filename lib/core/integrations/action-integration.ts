import type { Catcher, Retrier, State, TaskState } from '../asl';
import type { FunctionArns, TaskStep } from '../compile';
import type { ActionDeclaration } from '../declaration';
import { TASK_FUNCTIONS, type LambdaTaskStep } from '../task-functions';

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** What the compiler knows of one action when it asks an integration for the action's states. */
export interface ActionTaskContext {
  action: ActionDeclaration;
  /** The readable, unique name of the action's state; with a role, of another state of the action. */
  stateName: (role?: string) => string;
  functions: FunctionArns;
  /** The action's declaration and where its inputs come from, as every action Task gets it. */
  payload: Record<string, unknown>;
  /** Where the action's result goes in the execution state, for the actions after it. */
  result: Pick<TaskState, 'ResultSelector' | 'ResultPath'>;
  /** The action's timeout, or the integration's default. */
  timeoutSeconds?: number;
  /** The pipeline's artifactStore.encryptionKey: what a step that writes artifacts itself encrypts them with. */
  artifactKmsKeyId?: string;
  /** Where a failure goes: the stage's failed step, or inside a Parallel the end of the action's branch. */
  catchTo: Catcher[];
}

/** The states of one action, and the step each of its Tasks runs. */
export interface ActionStates {
  startAt: string;
  states: Record<string, State>;
  /** The states whose transition leads on to whatever follows the action. */
  exits: string[];
  tasks: Record<string, TaskStep>;
}

/**
 * One way to run an action in a compiled pipeline. A provider names its integration in its spec
 * (ProviderSpec.integration); the compiler asks that integration for the action's states.
 */
export interface ActionIntegration {
  /** Whether the action's result is kept in the execution state for the actions after it. */
  keepsResult: boolean;
  /** How long the action may take when it sets no timeoutInMinutes; without limit when undefined. */
  defaultTimeoutMinutes?: number;
  states(context: ActionTaskContext): ActionStates;
}

/**
 * The states of an action that is one Task, named as the action's state, that invokes the function
 * of `step`. Waiting for the task token, the Task hands the function its token and ends when the
 * token's callback comes. It keeps `result`, and carries the action's timeout and its Catch.
 */
export function lambdaTaskStates(
  { stateName, functions, payload, timeoutSeconds, catchTo }: ActionTaskContext,
  step: LambdaTaskStep,
  { waitForToken, result, retry }: { waitForToken: boolean; result: Pick<TaskState, 'ResultSelector' | 'ResultPath'>; retry: Retrier[] },
): ActionStates {
  const name = stateName();
  const state: TaskState = {
    Type: 'Task',
    Resource: waitForToken ? LAMBDA_INVOKE_WAIT : LAMBDA_INVOKE,
    Parameters: {
      FunctionName: functions[TASK_FUNCTIONS[step]],
      Payload: { step, ...payload, ...(waitForToken ? { 'taskToken.$': '$$.Task.Token' } : {}) },
    },
    ...result,
    ...(timeoutSeconds === undefined ? {} : { TimeoutSeconds: timeoutSeconds }),
    Retry: retry,
    Catch: catchTo,
  };
  return { startAt: name, states: { [name]: state }, exits: [name], tasks: { [name]: step } };
}
