/** The AWS services that stage condition rules call: CloudWatch's alarms and Lambda's functions. */

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmStates {
  /** The alarm's current state; undefined when there is no such alarm. */
  stateOf(alarmName: string, region?: string): Promise<AlarmState | undefined>;
}

export interface FunctionAnswer {
  /** Lambda's FunctionError, when the function threw or failed. */
  functionError?: string;
  payload: string;
}

export interface FunctionInvoker {
  /** Invokes the function and waits for its answer; rejects when it cannot be invoked (no such function). */
  invoke(functionName: string, payload: string, region?: string): Promise<FunctionAnswer>;
}
