import { compileCatalog } from './compile-catalog';
import { compilePipeline, type CompiledPipeline, type ExecutionInput, type SourceRevision } from '../core/compile';
import type { Caller } from '../core/audit';
import type { PipelineDeclaration } from '../core/declaration';
import { STOPPED_BY_USER } from '../core/engine-run-end';
import { NotFoundError } from '../core/errors';
import type { ExecutionEnd, InProcessEngine, PipelineEngine } from '../ports/engine';
import type { EventFeed } from '../ports/event-bus';
import type { ExecutionTrigger, PipelineExecutionRecord } from '../ports/execution-store';
import type { ApprovalDependencies } from './approvals';
import type { ExecutionDependencies } from './dependencies';
import { recordControl, startParameters } from './audit';
import { endExecution } from './end-execution';
import { markStopping, stopAtOnce, stopOnceActionsFinish } from './stop-execution';
import { startExecution, type StartRequest } from './start-execution';
import { publishPipelineState } from './publish';
import { pipelineRefOf } from './stage-entry';
import type { StageResume } from './stage-resume';

/** One execution to start: the pipeline version, the published engine version it runs on, and what it starts with. */
export interface EngineStart {
  pipeline: PipelineDeclaration;
  version: number;
  versionArn: string;
  trigger: ExecutionTrigger;
  variables?: Record<string, string>;
  sourceRevisions?: SourceRevision[];
  /** The id bound to it already, as a clientRequestToken binds one. */
  executionId?: string;
  rollback?: StartRequest['rollback'];
}

/** Hands a recorded execution to the engine, which names its run. */
type Launch<T extends { executionArn: string }> = (executionId: string, input: ExecutionInput) => Promise<T>;

/**
 * Records an execution and starts it on its published engine version; the record then names the
 * engine's run, which StopPipelineExecution stops. An execution the engine refuses ends Failed.
 */
export async function startOnEngine<T extends { executionArn: string }>(
  deps: ExecutionDependencies,
  start: Omit<EngineStart, 'versionArn'>,
  launch: Launch<T>,
): Promise<{ executionId: string; launched: T }> {
  const input = await startExecution(deps, {
    pipeline: start.pipeline,
    version: start.version,
    trigger: start.trigger,
    variables: start.variables,
    ...(start.sourceRevisions ? { sourceRevisions: start.sourceRevisions } : {}),
    ...(start.executionId ? { executionId: start.executionId } : {}),
    ...(start.rollback ? { rollback: start.rollback } : {}),
  });
  const executionId = input.pipeline.executionId;
  let launched: T;
  try {
    launched = await launch(executionId, input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    await endExecution(deps, input.pipeline, 'Failed', `The engine did not start the execution: ${reason}`);
    throw error;
  }
  await deps.store.recordEngineExecution(executionId, launched.executionArn);
  return { executionId, launched };
}

/** Starts an execution that runs on after the call answers, as the API and webhooks start them. */
export async function launchInBackground(deps: ApprovalDependencies, engine: PipelineEngine, start: EngineStart): Promise<string> {
  return (await startOnEngine(deps, start, (executionId, input) => engine.startExecution(start.versionArn, executionId, input))).executionId;
}

/**
 * One execution to run in the foreground: the pipeline version, what it starts with, and who runs
 * it, whose start and stops the audit trail records.
 */
export type ForegroundRun = Omit<EngineStart, 'versionArn' | 'trigger'> & { trigger?: ExecutionTrigger; caller: Caller };

/**
 * How a foreground run is asked to stop, as StopPipelineExecution asks: `wait` stops and waits (the
 * execution is Stopping, its actions in progress finish, as `feed` tells, and no new one starts),
 * and `abandon` stops at once, abandoning them, whether or not it was Stopping. An abort's reason,
 * when it is text, is the execution's summary.
 */
export interface ForegroundStop {
  wait: AbortSignal;
  abandon: AbortSignal;
  feed: EventFeed;
}

/**
 * Runs one execution of a validated pipeline in this process, from start to its end, with options
 * of the caller's own (a foreground `sluice run`), and returns the execution's final record.
 */
export async function runInForeground<O>(
  deps: ApprovalDependencies,
  engine: InProcessEngine<O>,
  run: ForegroundRun,
  options: O,
  stop?: ForegroundStop,
): Promise<PipelineExecutionRecord> {
  const { versionArn } = await engine.deployPipeline(run.pipeline.name, compilePipeline({ ...run.pipeline, version: run.version }, compileCatalog(deps)));
  const start = { ...run, trigger: run.trigger ?? { triggerType: 'StartPipelineExecution', triggerDetail: 'sluice run' } };
  const { executionId, launched } = await startOnEngine(deps, start, (id, input) => engine.runExecution(versionArn, id, input, options));
  const pipelineName = run.pipeline.name;
  await recordControl(deps, run.caller, {
    operation: 'StartPipelineExecution',
    pipelineName,
    pipelineExecutionId: executionId,
    parameters: startParameters(run.variables ?? {}, run.sourceRevisions),
  });
  const recordStop = (abandon: boolean, signal: AbortSignal) =>
    recordControl(deps, run.caller, {
      operation: 'StopPipelineExecution',
      pipelineName,
      pipelineExecutionId: executionId,
      parameters: { abandon },
      ...(typeof signal.reason === 'string' ? { reason: signal.reason } : {}),
    });
  const reason = (signal: AbortSignal) => (typeof signal.reason === 'string' ? signal.reason : STOPPED_BY_USER);
  // Each stop reads the execution as it stands, once the stop before it has decided: an abandon
  // right after a stop and wait ends the execution only once it is Stopping, so that its STOPPED
  // event comes after the STOPPING ones. Its end is waited for below, whatever the stop's own
  // answer, and then what each stop decided, so that the run returns with its stops recorded.
  const decided: Promise<unknown>[] = [];
  const stopWith = (how: (execution: PipelineExecutionRecord) => Promise<unknown>) => () =>
    void decided.push(
      Promise.all(decided)
        .then(() => deps.store.getExecution(executionId))
        .then((execution) => execution && how(execution))
        .catch(() => undefined),
    );
  const stops: [AbortSignal, () => void][] = [];
  if (stop) {
    const waitThenStop = async (execution: PipelineExecutionRecord) => {
      if (!(await markStopping(deps, execution, reason(stop.wait)))) return;
      await recordStop(false, stop.wait);
      void stopOnceActionsFinish(deps, engine, stop.feed, execution, reason(stop.wait)).catch(() => undefined);
    };
    const abandon = async (execution: PipelineExecutionRecord) => {
      if (await stopAtOnce(deps, engine, execution, reason(stop.abandon))) await recordStop(true, stop.abandon);
    };
    stops.push([stop.wait, stopWith(waitThenStop)], [stop.abandon, stopWith(abandon)]);
  }
  for (const [signal, listener] of stops) {
    if (signal.aborted) listener();
    else signal.addEventListener('abort', listener, { once: true });
  }
  try {
    await launched.ended;
    await Promise.all(decided);
  } finally {
    for (const [signal, listener] of stops) signal.removeEventListener('abort', listener);
  }
  return (await deps.store.getExecution(executionId))!;
}

/** A registered version compiled for an engine of this process, which invokes no deployed functions. */
export async function compileRegisteredVersion(
  deps: Pick<ApprovalDependencies, 'store' | 'providers'>,
  name: string,
  version: number,
): Promise<CompiledPipeline> {
  const registered = await deps.store.getPipeline(name, version);
  if (!registered) throw new NotFoundError(`There is no pipeline ${name} version ${version}.`);
  return compilePipeline(registered.declaration, compileCatalog(deps));
}

/**
 * Resumes an execution that a dead process left waiting: the same definition, entered where it
 * waited (the approvals' runOrder group, or the enter step of the stage in front of which it
 * stood) with the state rebuilt from the records. Approvals resume their pending records (a new
 * task token, the same id and link, no new mail); an enter step joins its line again, keeping its
 * place. The run goes on to its end as if it had never stopped; the RESUMED event says it goes
 * on. Settles once it is running, with its end to come.
 */
export async function resumeOnEngine<O>(
  deps: ApprovalDependencies,
  engine: InProcessEngine<O>,
  plan: Pick<StageResume, 'execution' | 'resume' | 'input'>,
  options: O,
): Promise<{ ended: Promise<ExecutionEnd> }> {
  const { versionArn } = await engine.deployPipeline(plan.execution.pipelineName, plan.resume.compiled);
  const { executionArn, ended } = await engine.runExecution(versionArn, plan.execution.pipelineExecutionId, plan.input, options);
  if (plan.execution.engineExecutionArn !== executionArn) await deps.store.recordEngineExecution(plan.execution.pipelineExecutionId, executionArn);
  await publishPipelineState(deps, pipelineRefOf(plan.execution), { state: 'RESUMED' });
  return { ended };
}
