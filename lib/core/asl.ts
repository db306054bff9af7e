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
  ResultPath: string | null;
  Catch?: Catcher[];
}

export interface FailState {
  Type: 'Fail';
  Comment?: string;
  Error: string;
  Cause: string;
}

export type State = TaskState | ParallelState | FailState;

export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  States: Record<string, State>;
}
