import './promise-with-resolvers';
import { ExecutionAbortedError, StateMachine } from 'aws-local-stepfunctions';
import type { State, StateMachineDefinition } from '../../core/asl';
import type { CompiledPipeline, ExecutionInput, TaskBinding, TaskStep } from '../../core/compile';
import type { ExecutionEnd } from '../../ports/engine';

/** The longest timeout Node's timers can hold; the local engine times out at once above it. */
const MAX_TIMEOUT_SECONDS = 2_147_483;

/** Runs one Task locally. `parameters` is the Task's effective input; the result is its raw result. */
export type TaskHandler = (parameters: Record<string, unknown>, binding: TaskBinding, signal: AbortSignal) => Promise<unknown>;
export type TaskHandlers = Record<TaskStep, TaskHandler>;

export interface LocalExecution {
  outcome: Promise<ExecutionEnd>;
  /** Stops the execution: running handlers see their signal abort. */
  stop(): void;
}

/**
 * Runs a compiled pipeline with aws-local-stepfunctions, every Task overridden by a local
 * handler (a Task without an override would call real AWS). Build it once per definition.
 */
export class LocalStateMachine {
  private readonly machine: StateMachine;

  constructor(readonly compiled: CompiledPipeline) {
    // The compiler's output is validated by tests and asl-validator; validating again costs ~0.2 s.
    this.machine = new StateMachine(clampTimeouts(compiled.definition) as never, { validationOptions: { noValidate: true } });
  }

  start(input: ExecutionInput, handlers: TaskHandlers): LocalExecution {
    const controller = new AbortController();
    const overrides = Object.fromEntries(
      Object.entries(this.compiled.tasks).map(([name, binding]) => [
        name,
        (parameters: Record<string, unknown>) => handlers[binding.step](parameters, binding, controller.signal),
      ]),
    );
    const execution = this.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: overrides as never },
      context: {
        Execution: { Id: input.pipeline.executionId, Name: input.pipeline.executionId, Input: input, StartTime: new Date().toISOString() },
        // Approvals read $$.Task.Token; the local approval handler keeps its own token.
        Task: { Token: 'local' },
      } as never,
    });
    const outcome = execution.result.then(
      (): ExecutionEnd => ({ status: 'Succeeded' }),
      (error: unknown): ExecutionEnd => {
        if (error instanceof ExecutionAbortedError) return { status: 'Stopped' };
        const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
        return { status: 'Failed', error: name, cause: message };
      },
    );
    return {
      outcome,
      stop: () => {
        controller.abort();
        execution.abort();
      },
    };
  }
}

function clampTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  const states = Object.fromEntries(
    Object.entries(definition.States).map(([name, state]): [string, State] => {
      if (state.Type === 'Task') return [name, { ...state, TimeoutSeconds: Math.min(state.TimeoutSeconds ?? MAX_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS) }];
      if (state.Type === 'Parallel') return [name, { ...state, Branches: state.Branches.map(clampTimeouts) }];
      return [name, state];
    }),
  );
  return { ...definition, States: states };
}
