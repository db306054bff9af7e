/** How a waiting Task is resumed: Step Functions' SendTaskSuccess/SendTaskFailure, or the local engine's promise. */
export interface TaskCallbacks {
  succeed(taskToken: string, output: Record<string, unknown>): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}
