import { StoppedError } from '../../core/errors';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { State, StateMachineDefinition } from '../../core/asl';
import type { CompiledPipeline, TaskBinding } from '../../core/compile';
import { TASK_FUNCTIONS, type LambdaTaskStep, type TaskFunction } from '../../core/task-functions';
import type { ActionStepPayload } from '../../core/task-payloads';
import type { TaskContext } from '../../ports/task-context';
import type { TaskHandler, TaskHandlers } from './local-engine';
import type { LocalTaskCallbacks } from './local-task-callbacks';

/** A task function's exported handler, middy chain included. */
export type LambdaHandler = (event: never, context: TaskContext) => Promise<unknown>;

export interface LambdaTaskOptions {
  compiled: CompiledPipeline;
  /** The handler of each function that the definition invokes. */
  functions: Readonly<Record<TaskFunction, LambdaHandler>>;
  /** codebuild:startBuild.sync, the one Task that invokes no function. */
  startBuild: TaskHandler;
  /** Where a `.waitForTaskToken` Task waits for its token to be called back. */
  callbacks: LocalTaskCallbacks;
  newTaskToken: () => string;
  /**
   * Runs while an approval's or a custom action's Task waits, once its function has answered
   * (`answer`); what it returns is called when the Task stops waiting.
   */
  whileWaiting?: (payload: ActionStepPayload, answer: unknown) => Promise<() => void>;
  /** Decides each approval at once instead of requesting it (`sluice run --auto-approve`): no approver is asked. */
  autoApprove?: (payload: ActionStepPayload) => Promise<void>;
}

/**
 * The local engine's Task handlers: each Lambda Task invokes its function's exported handler, as
 * Step Functions' `lambda:invoke` does, with an in-process Lambda context whose remaining time
 * runs out with the Task's TimeoutSeconds and whose stop signal aborts with the execution.
 */
export function lambdaTaskHandlers(options: LambdaTaskOptions): TaskHandlers {
  const timeouts = taskTimeouts(options.compiled);
  const invoke = async (step: LambdaTaskStep, payload: unknown, binding: TaskBinding, signal: AbortSignal) => {
    const functionName = TASK_FUNCTIONS[step];
    const context = lambdaContext(functionName, timeouts.get(bindingKey(binding)), signal);
    return { Payload: await options.functions[functionName](payload as never, context) };
  };
  const invoked: TaskHandler = (parameters, binding, signal) => invoke(binding.step as LambdaTaskStep, parameters.Payload, binding, signal);
  const whileWaiting = (payload: ActionStepPayload) => (answer: unknown) => options.whileWaiting?.(payload, answer) ?? Promise.resolve(() => {});
  const lambdaTasks = Object.fromEntries(Object.keys(TASK_FUNCTIONS).map((step) => [step, invoked])) as Record<LambdaTaskStep, TaskHandler>;
  return {
    ...lambdaTasks,
    startBuild: options.startBuild,
    // A stage's enter Task waits until the stage's line admits the execution.
    enterStage: (parameters, binding, signal) =>
      waitForTaskToken(options, (taskToken) => invoke('enterStage', { ...(parameters.Payload as object), taskToken }, binding, signal), signal),
    requestApproval: async (parameters, binding, signal) => {
      const payload = parameters.Payload as ActionStepPayload;
      if (options.autoApprove) {
        await options.autoApprove(payload);
        return {};
      }
      return waitForTaskToken(options, (taskToken) => invoke('requestApproval', { ...payload, taskToken }, binding, signal), signal, whileWaiting(payload));
    },
    queueJob: (parameters, binding, signal) => {
      const payload = parameters.Payload as ActionStepPayload;
      return waitForTaskToken(options, (taskToken) => invoke('queueJob', { ...payload, taskToken }, binding, signal), signal, whileWaiting(payload));
    },
  };
}

/**
 * `lambda:invoke.waitForTaskToken`: the function gets a new task token in its payload (where the
 * definition puts `$$.Task.Token`), and the Task ends when that token is called back, or fails
 * when the execution stops. Once the function has answered, `whileWaiting` runs, and what it
 * returns is called when the Task stops waiting.
 */
export async function waitForTaskToken(
  tokens: Pick<LambdaTaskOptions, 'callbacks' | 'newTaskToken'>,
  invoke: (taskToken: string) => Promise<{ Payload: unknown }>,
  signal: AbortSignal,
  whileWaiting?: (answer: unknown) => Promise<() => void>,
): Promise<Record<string, unknown>> {
  const taskToken = tokens.newTaskToken();
  const called = tokens.callbacks.wait(taskToken);
  // A Task that fails before it waits leaves its token released, and nobody awaiting it.
  called.catch(() => undefined);
  // Releasing a token that was called back already does nothing.
  const release = () => void tokens.callbacks.fail(taskToken, new StoppedError('The Task no longer waits.')).catch(() => undefined);
  let stopWaiting = () => {};
  try {
    const { Payload: answer } = await invoke(taskToken);
    stopWaiting = (await whileWaiting?.(answer)) ?? stopWaiting;
    if (signal.aborted) release();
    signal.addEventListener('abort', release, { once: true });
    return await called;
  } finally {
    stopWaiting();
    signal.removeEventListener('abort', release);
    release();
  }
}

/** Each Lambda Task's TimeoutSeconds, by its binding: the time its function's context counts down. */
function taskTimeouts(compiled: CompiledPipeline): Map<string, number | undefined> {
  const states = new Map(statesOf(compiled.definition));
  return new Map(
    Object.entries(compiled.tasks).map(([name, binding]) => {
      const state = states.get(name);
      return [bindingKey(binding), state?.Type === 'Task' ? state.TimeoutSeconds : undefined];
    }),
  );
}

function statesOf(definition: StateMachineDefinition): [string, State][] {
  return Object.entries(definition.States).flatMap(([name, state]): [string, State][] => [
    [name, state],
    ...(state.Type === 'Parallel' ? state.Branches.flatMap(statesOf) : []),
  ]);
}

/** A Task's stage, action and step: one Task of the definition. */
const bindingKey = (binding: TaskBinding) => JSON.stringify([binding.stage, binding.action ?? null, binding.step]);

/** The longest a Node timer holds, the most a Task runs locally without TimeoutSeconds. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What Lambda hands a handler, for one call in this process. */
function lambdaContext(functionName: TaskFunction, timeoutSeconds: number | undefined, stopSignal: AbortSignal): TaskContext {
  const deadline = Date.now() + Math.min(timeoutSeconds === undefined ? MAX_TIMER_MS : timeoutSeconds * 1000, MAX_TIMER_MS);
  const name = `sluice-local-${functionName}`;
  const unsupported = () => {
    throw new TypeError('The local Lambda context has no callbacks: the task handlers return promises.');
  };
  const context: Context = {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
  return { ...context, stopSignal };
}
