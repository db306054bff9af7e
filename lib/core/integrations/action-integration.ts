import type { Catcher, State, TaskState } from '../asl';
import type { FunctionArns, TaskStep } from '../compile';
import type { ActionDeclaration } from '../declaration';

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
  /** Where a failure goes: the stage's failed step; none inside a Parallel, whose own Catch takes it. */
  catchTo?: Catcher[];
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
