import { LocalEngine, type TaskHandler, type TaskHandlers } from '../adapters/local/local-engine';
import { compilePipeline, type CompiledPipeline, type ExecutionInput, type SourceRevision } from '../core/compile';
import type { PipelineDeclaration } from '../core/declaration';
import type { ApprovalResume } from '../execution/approval-resume';
import type { LocalDependencies } from './local';
import { localTaskHandlers, type LocalTaskOptions } from './local-task-handlers';
import { endExecution } from '../execution/end-execution';
import { startExecution } from '../execution/start-execution';
import type { ExecutionTrigger, PipelineExecutionRecord } from '../ports/execution-store';

export interface LocalRunOptions extends LocalTaskOptions {
  version?: number;
  variables?: Record<string, string>;
  trigger?: ExecutionTrigger;
  sourceRevisions?: SourceRevision[];
  /**
   * Aborting stops the execution: running actions are abandoned and the status becomes Stopped,
   * with the abort's reason as the summary when it is text.
   */
  signal?: AbortSignal;
  /**
   * Aborting ends this process's part: an execution that is only waiting for Manual approvals is
   * let go, InProgress, for the next `sluice serve` to resume; any other one stops, as by `signal`.
   */
  leaveWaiting?: AbortSignal;
  /** Called once the execution is recorded, before its first stage runs. */
  onStart?: (executionId: string) => void;
}

export const STOPPED_BY_USER = 'stopped by the user';

/**
 * Runs one execution of a validated pipeline on the local stack, from start to its end, and
 * returns the execution's final record.
 */
export async function runPipelineLocally(
  deps: LocalDependencies,
  pipeline: PipelineDeclaration,
  options: LocalRunOptions = {},
): Promise<PipelineExecutionRecord> {
  const compiled = compilePipeline(pipeline);
  const engine = new LocalEngine(compiled);
  const input = await startExecution(deps, {
    pipeline,
    version: options.version ?? pipeline.version ?? 1,
    trigger: options.trigger ?? { triggerType: 'StartPipelineExecution', triggerDetail: 'sluice run' },
    variables: options.variables,
    sourceRevisions: options.sourceRevisions,
  });
  options.onStart?.(input.pipeline.executionId);
  return runToEnd(deps, engine, compiled, input, options);
}

export interface LocalResumeOptions extends Pick<LocalRunOptions, 'signal' | 'leaveWaiting' | 'onApproval'> {
  /**
   * Aborting lets go of the execution without recording an end: it stays InProgress, waiting,
   * for the next process that opens the data dir to resume.
   */
  detach?: AbortSignal;
}

/**
 * Resumes an execution that a dead process left waiting for Manual approvals: the same
 * definition, entered at the approvals' runOrder group with the state rebuilt from the records.
 * The approvals resume their pending records (a new task token, the same id and link, no new
 * mail), and the run goes on to its end as if it had never stopped.
 */
export async function resumeApprovalLocally(deps: LocalDependencies, plan: ApprovalResume, options: LocalResumeOptions = {}): Promise<PipelineExecutionRecord> {
  const engine = new LocalEngine(plan.resume.compiled);
  return runToEnd(deps, engine, plan.resume.compiled, plan.input, options, options.detach);
}

async function runToEnd(
  deps: LocalDependencies,
  engine: LocalEngine,
  compiled: CompiledPipeline,
  input: ExecutionInput,
  options: LocalRunOptions,
  detach?: AbortSignal,
): Promise<PipelineExecutionRecord> {
  const running = new Map<Promise<unknown>, string>();
  const handlers = trackRunning(localTaskHandlers(deps, compiled, input.pipeline, options), running);
  const execution = engine.start(input, handlers);
  const stop = () => execution.stop();
  // Whichever comes first decides: letting go records nothing, even if a stop follows.
  let letGo = false;
  const letGoOf = () => {
    if (!options.signal?.aborted) letGo = true;
    execution.stop();
  };
  const leaveOrStop = () => {
    const steps = [...running.values()];
    if (steps.length > 0 && steps.every((step) => step === 'requestApproval')) letGoOf();
    else stop();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  options.leaveWaiting?.addEventListener('abort', leaveOrStop, { once: true });
  detach?.addEventListener('abort', letGoOf, { once: true });
  try {
    const outcome = await execution.outcome;
    const reason = options.signal?.reason;
    if (outcome.status === 'Stopped' && !letGo) await endExecution(deps, input.pipeline, 'Stopped', typeof reason === 'string' ? reason : STOPPED_BY_USER);
    // A failure outside every Catch (a States.Runtime error) ends the run without a stage failure step.
    if (outcome.status === 'Failed') await endExecution(deps, input.pipeline, 'Failed', outcome.cause);
    // Handlers of a stopped execution, or of Parallel branches beside a failed one, may still be
    // finishing; the run ends when nothing is left half-written.
    while (running.size > 0) await Promise.allSettled([...running.keys()]);
  } finally {
    options.signal?.removeEventListener('abort', stop);
    options.leaveWaiting?.removeEventListener('abort', leaveOrStop);
    detach?.removeEventListener('abort', letGoOf);
  }
  return (await deps.store.getExecution(input.pipeline.executionId))!;
}

/** Keeps each handler call that is running, with its step, until it settles. */
function trackRunning(handlers: TaskHandlers, running: Map<Promise<unknown>, string>): TaskHandlers {
  return Object.fromEntries(
    Object.entries(handlers).map(([step, handler]) => [
      step,
      (...args: Parameters<TaskHandler>) => {
        const call = handler(...args);
        running.set(call, step);
        void call.finally(() => running.delete(call)).catch(() => undefined);
        return call;
      },
    ]),
  ) as TaskHandlers;
}
