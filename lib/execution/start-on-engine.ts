import { compilePipeline, type CompiledPipeline, type ExecutionInput, type SourceRevision } from '../core/compile';
import { providerCatalog } from '../actions/registry';
import type { PipelineDeclaration } from '../core/declaration';
import { STOPPED_BY_USER } from '../core/engine-run-end';
import { NotFoundError } from '../core/errors';
import type { ExecutionEnd, InProcessEngine, PipelineEngine } from '../ports/engine';
import type { ExecutionTrigger, PipelineExecutionRecord } from '../ports/execution-store';
import type { ApprovalResume } from './approval-resume';
import type { ApprovalDependencies } from './approvals';
import { endExecution } from './end-execution';
import { startExecution } from './start-execution';

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
}

/** Hands a recorded execution to the engine, which names its run. */
type Launch<T extends { executionArn: string }> = (versionArn: string, executionId: string, input: ExecutionInput) => Promise<T>;

/**
 * Records an execution and starts it on its published engine version; the record then names the
 * engine's run, which StopPipelineExecution stops. An execution the engine refuses ends Failed.
 */
export async function startOnEngine<T extends { executionArn: string }>(
  deps: ApprovalDependencies,
  start: EngineStart,
  launch: Launch<T>,
): Promise<{ executionId: string; launched: T }> {
  const input = await startExecution(deps, {
    pipeline: start.pipeline,
    version: start.version,
    trigger: start.trigger,
    variables: start.variables,
    ...(start.sourceRevisions ? { sourceRevisions: start.sourceRevisions } : {}),
    ...(start.executionId ? { executionId: start.executionId } : {}),
  });
  const executionId = input.pipeline.executionId;
  let launched: T;
  try {
    launched = await launch(start.versionArn, executionId, input);
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
  return (await startOnEngine(deps, start, (versionArn, executionId, input) => engine.startExecution(versionArn, executionId, input))).executionId;
}

/** One execution to run in the foreground: the pipeline version, and what it starts with. */
export type ForegroundRun = Omit<EngineStart, 'versionArn' | 'trigger'> & { trigger?: ExecutionTrigger };

/**
 * Runs one execution of a validated pipeline in this process, from start to its end, with options
 * of the caller's own (a foreground `sluice run`), and returns the execution's final record.
 * Aborting `signal` stops it on the engine: running actions are abandoned and it ends Stopped, with
 * the abort's reason as the summary when it is text.
 */
export async function runInForeground<O>(
  deps: ApprovalDependencies,
  engine: InProcessEngine<O>,
  run: ForegroundRun,
  options: O,
  signal?: AbortSignal,
): Promise<PipelineExecutionRecord> {
  const { versionArn } = await engine.deployPipeline(run.pipeline.name, compilePipeline({ ...run.pipeline, version: run.version }, providerCatalog));
  const start = { ...run, versionArn, trigger: run.trigger ?? { triggerType: 'StartPipelineExecution', triggerDetail: 'sluice run' } };
  const { executionId, launched } = await startOnEngine(deps, start, (arn, id, input) => engine.runExecution(arn, id, input, options));
  // The end is waited for below, whatever the stop's own answer.
  const stop = () =>
    void engine.stopExecution(launched.executionArn, typeof signal?.reason === 'string' ? signal.reason : STOPPED_BY_USER).catch(() => undefined);
  if (signal?.aborted) stop();
  else signal?.addEventListener('abort', stop, { once: true });
  try {
    await launched.ended;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
  return (await deps.store.getExecution(executionId))!;
}

/** A registered version compiled for an engine of this process, which invokes no deployed functions. */
export async function compileRegisteredVersion(deps: Pick<ApprovalDependencies, 'store'>, name: string, version: number): Promise<CompiledPipeline> {
  const registered = await deps.store.getPipeline(name, version);
  if (!registered) throw new NotFoundError(`There is no pipeline ${name} version ${version}.`);
  return compilePipeline(registered.declaration, providerCatalog);
}

/**
 * Resumes an execution that a dead process left waiting for Manual approvals: the same
 * definition, entered at the approvals' runOrder group with the state rebuilt from the records.
 * The approvals resume their pending records (a new task token, the same id and link, no new
 * mail), and the run goes on to its end as if it had never stopped. Settles once it is running,
 * with its end to come.
 */
export async function resumeOnEngine<O>(
  deps: ApprovalDependencies,
  engine: InProcessEngine<O>,
  plan: ApprovalResume,
  options: O,
): Promise<{ ended: Promise<ExecutionEnd> }> {
  const { versionArn } = await engine.deployPipeline(plan.execution.pipelineName, plan.resume.compiled);
  const { executionArn, ended } = await engine.runExecution(versionArn, plan.execution.pipelineExecutionId, plan.input, options);
  if (plan.execution.engineExecutionArn !== executionArn) await deps.store.recordEngineExecution(plan.execution.pipelineExecutionId, executionArn);
  return { ended };
}
