/** The subset of the Amazon States Language that Sluice emits: JSONPath only. */

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds: number;
  MaxAttempts: number;
  BackoffRate: number;
  JitterStrategy?: 'FULL' | 'NONE';
  MaxDelaySeconds?: number;
}

export interface Catcher {
  ErrorEquals: string[];
  ResultPath: string;
  Next: string;
}

interface Transition {
  Next?: string;
  End?: true;
}

export interface TaskState extends Transition {
  Type: 'Task';
  Comment?: string;
  Resource: string;
  Parameters: Record<string, unknown>;
  ResultSelector?: Record<string, unknown>;
  ResultPath: string | null;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
}

export interface ParallelState extends Transition {
  Type: 'Parallel';
  Comment?: string;
  Branches: StateMachineDefinition[];
  ResultSelector?: Record<string, unknown>;
  /** Absent, the result replaces the state's input (as `$` would, which aws-local-stepfunctions writes under a key named `$`). */
  ResultPath?: string | null;
  Catch?: Catcher[];
}

export interface PassState extends Transition {
  Type: 'Pass';
  Comment?: string;
  InputPath?: string;
  Parameters?: Record<string, unknown>;
  ResultPath?: string | null;
}

/**
 * A test of a Choice rule; Sluice only asks whether a path is present, holds a string, or holds
 * true (a stage's entry conditions skipped it).
 */
export type ChoiceTest = { Variable: string } & ({ IsPresent: true } | { StringEquals: string } | { BooleanEquals: boolean });

/** A rule of a Choice state: one test, or all of several. */
export type ChoiceRule = { Next: string } & (ChoiceTest | { And: ChoiceTest[] });

export interface ChoiceState {
  Type: 'Choice';
  Comment?: string;
  Choices: ChoiceRule[];
  /** Where the execution goes when no rule matches; the compiler links it once it knows what follows. */
  Default?: string;
}

/** Where a polling action waits before its next run, for as long as its last run said. */
export interface WaitState extends Transition {
  Type: 'Wait';
  Comment?: string;
  SecondsPath: string;
}

export interface FailState {
  Type: 'Fail';
  Comment?: string;
  Error: string;
  Cause: string;
}

/** Where an execution ends early and well: after a last stage that its entry conditions skipped. */
export interface SucceedState {
  Type: 'Succeed';
  Comment?: string;
  /** A Succeed state ends the execution: it has neither. */
  Next?: never;
  End?: never;
}

export type State = TaskState | ParallelState | PassState | ChoiceState | WaitState | FailState | SucceedState;

export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, State>;
}
