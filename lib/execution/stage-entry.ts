import { CancelledError, StoppedError, SupersededError, TaskNotWaitingError, type SluiceError } from '../core/errors';
import type { ExecutionMode } from '../core/declaration';
import type { PipelineRef } from '../core/task-payloads';
import type { PipelineExecutionRecord } from '../ports/execution-store';
import type { StageLine, StageWaiter } from '../ports/stage-locks';
import type { ExecutionDependencies } from './dependencies';
import { publishPipelineState, publishStageState } from './publish';

/** Where a stage sits in its pipeline: what the gate in front of it reads. */
export interface StagePlace {
  pipelineName: string;
  stage: string;
  /** The stage before it, whose Outbound transition also leads into it. */
  previousStage?: string;
}

export const pipelineRefOf = (execution: PipelineExecutionRecord): PipelineRef => ({
  name: execution.pipelineName,
  version: execution.pipelineVersion,
  executionId: execution.pipelineExecutionId,
  variables: execution.variables,
  ...(execution.artifactStore ? { artifactStore: execution.artifactStore } : {}),
  ...(execution.regionalArtifactStores ? { regionalArtifactStores: execution.regionalArtifactStores } : {}),
});

/** Whether an execution in this status still holds what it has entered. */
export const holdsOn = (status: string | undefined) => status === 'InProgress' || status === 'Stopping';

/**
 * A stage's enter Task: the execution joins the line in front of the stage, and waits on its task
 * token until it is admitted (the Task succeeds) or superseded (the Task fails). Whoever changes
 * what the line waits for admits the next in line: this call, a stage's exit, an execution's end,
 * or a transition enabled. Each joins or changes the line before it reads it, so an admission is
 * never missed between the two.
 */
export async function joinStage(deps: ExecutionDependencies, place: StagePlace, pipeline: PipelineRef, mode: ExecutionMode, taskToken: string): Promise<void> {
  // Both read before it joins, so neither has to wait for the other.
  const [latest, execution] = await Promise.all([deps.store.getPipeline(pipeline.name), deps.store.getExecution(pipeline.executionId)]);
  const current = latest?.version;
  if (current !== undefined && current !== pipeline.version) {
    const summary = outdated(pipeline, current, place.stage);
    await cancel(deps, pipeline, summary);
    throw new CancelledError(summary);
  }
  // Ended meanwhile (superseded before a restarted process resumed it, say): it joins no line.
  const ended = endedBeforeEntry(execution?.status, place.stage);
  if (ended) throw ended;
  const waiter = await deps.locks.join(place.pipelineName, place.stage, {
    executionId: pipeline.executionId,
    taskToken,
    mode,
    arrivedAt: deps.clock().toISOString(),
  });
  if (mode !== 'PARALLEL') return admitWaiting(deps, place);
  // Nothing holds a PARALLEL execution but a disabled transition: it lets itself in, rather than
  // each arrival walking the whole line.
  if (!gateClosed(await readGate(deps, place)) && (await deps.locks.leave(place.pipelineName, place.stage, waiter.executionId))) {
    await admit(deps, place, waiter);
  }
}

/** What the enter Task of an execution that is no longer InProgress ends with; undefined while it is. */
function endedBeforeEntry(status: string | undefined, stage: string): SluiceError | undefined {
  if (status === 'InProgress') return undefined;
  const why = `The execution is ${status ?? 'gone'}: it does not enter ${stage}.`;
  if (status === 'Superseded') return new SupersededError(why);
  if (status === 'Cancelled') return new CancelledError(why);
  return new StoppedError(why);
}

/** A stage's exit, or its failure: the execution lets go of the stage, and the next in line may enter. */
export async function leaveStage(deps: ExecutionDependencies, place: StagePlace, executionId: string): Promise<void> {
  await deps.locks.release(place.pipelineName, place.stage, executionId);
  await admitWaiting(deps, place);
}

/**
 * An execution that ended outside its stages' own exits (stopped, interrupted, failed by its
 * engine): it lets go of every stage it held and leaves every line it stood in.
 */
export async function leaveEveryStage(deps: ExecutionDependencies, pipeline: PipelineRef): Promise<void> {
  const version = await deps.store.getPipeline(pipeline.name, pipeline.version);
  const stages = version?.declaration.stages.map((stage) => stage.name) ?? [];
  for (const [index, stage] of stages.entries()) {
    const released = await deps.locks.release(pipeline.name, stage, pipeline.executionId);
    const left = await deps.locks.leave(pipeline.name, stage, pipeline.executionId);
    if (released || left) await admitWaiting(deps, { pipelineName: pipeline.name, stage, ...(index > 0 ? { previousStage: stages[index - 1] } : {}) });
  }
}

/**
 * Admits who may enter the stage now. SUPERSEDED: the newest waiter supersedes every older one,
 * and enters once the stage is free. QUEUED: the oldest enters once the stage is free. PARALLEL:
 * all enter. Nobody enters through a disabled transition. A holder whose execution has ended, or
 * has left the stage, is gone: its lock is reclaimed.
 */
export async function admitWaiting(deps: ExecutionDependencies, place: StagePlace): Promise<void> {
  const { pipelineName, stage } = place;
  for (;;) {
    const gate = await readGate(deps, place);
    const { line } = gate;
    const newest = line.waiters.at(-1);
    if (!newest) return;
    if (newest.mode === 'SUPERSEDED') for (const older of line.waiters.slice(0, -1)) await supersede(deps, place, older, newest);
    if (gateClosed(gate)) return;
    if (newest.mode === 'PARALLEL') {
      for (const waiter of line.waiters) if (await deps.locks.leave(pipelineName, stage, waiter.executionId)) await admit(deps, place, waiter);
      return;
    }
    if (line.holder) {
      if (await holdsStage(deps, line.holder, stage)) return;
      await deps.locks.release(pipelineName, stage, line.holder);
      continue;
    }
    const next = newest.mode === 'QUEUED' ? line.waiters[0]! : newest;
    // The lock first, then the place in line: a waiter taken meanwhile (superseded, stopped) gives the lock back.
    if (!(await deps.locks.acquire(pipelineName, stage, next.executionId))) continue;
    if ((await deps.locks.leave(pipelineName, stage, next.executionId)) && (await admit(deps, place, next))) return;
    await deps.locks.release(pipelineName, stage, next.executionId);
  }
}

/**
 * UpdatePipeline: the executions of older versions waiting in a line end Cancelled, as CodePipeline's
 * do when the pipeline's definition was updated before they could complete. Those inside a stage
 * finish it (a running stage is never pre-empted), and end Cancelled at the next stage's entry.
 */
export async function cancelOutdatedWaiters(deps: ExecutionDependencies, pipelineName: string, stages: readonly string[], version: number): Promise<void> {
  for (const [index, stage] of stages.entries()) {
    const place = { pipelineName, stage, ...(index > 0 ? { previousStage: stages[index - 1] } : {}) };
    let cancelled = false;
    for (const waiter of (await deps.locks.read(pipelineName, stage)).waiters) {
      const execution = await deps.store.getExecution(waiter.executionId);
      if (!execution || execution.pipelineVersion === version || !(await deps.locks.leave(pipelineName, stage, waiter.executionId))) continue;
      const summary = outdated(pipelineRefOf(execution), version, stage);
      await cancel(deps, pipelineRefOf(execution), summary);
      await failWaiting(deps, waiter, new CancelledError(summary));
      cancelled = true;
    }
    if (cancelled) await admitWaiting(deps, place);
  }
}

const outdated = (pipeline: PipelineRef, current: number, stage: string) =>
  `Pipeline ${pipeline.name} was updated to version ${current} before execution ${pipeline.executionId} (version ${pipeline.version}) could enter ${stage}.`;

async function cancel(deps: ExecutionDependencies, pipeline: PipelineRef, summary: string): Promise<void> {
  if (await deps.store.finishExecution(pipeline.executionId, 'Cancelled', summary, deps.clock().toISOString())) {
    await publishPipelineState(deps, pipeline, { state: 'CANCELED', 'execution-result': { 'external-execution-summary': summary } });
  }
}

/** Ends a waiter's Task with `error`; one that no longer waits (its execution stopped) needs nothing. */
async function failWaiting(deps: ExecutionDependencies, waiter: StageWaiter, error: SluiceError): Promise<void> {
  await deps.callbacks.fail(waiter.taskToken, error).catch((failure: unknown) => {
    if (!(failure instanceof TaskNotWaitingError)) throw failure;
  });
}

/** The line in front of a stage, and that of the stage before it, whose Outbound transition also leads into it. */
interface Gate {
  line: StageLine;
  previous?: StageLine;
}

/** Both lines, read at once: neither read waits for the other. */
async function readGate(deps: ExecutionDependencies, place: StagePlace): Promise<Gate> {
  const [line, previous] = await Promise.all([
    deps.locks.read(place.pipelineName, place.stage),
    place.previousStage === undefined ? undefined : deps.locks.read(place.pipelineName, place.previousStage),
  ]);
  return { line, ...(previous ? { previous } : {}) };
}

/** Whether a transition into the stage is disabled: its own Inbound, or the Outbound of the stage before it. */
const gateClosed = ({ line, previous }: Gate): boolean => line.transitions.Inbound !== undefined || previous?.transitions.Outbound !== undefined;

/** Whether `executionId` still holds `stage`: its execution runs on, and has not left the stage. */
async function holdsStage(deps: ExecutionDependencies, executionId: string, stage: string): Promise<boolean> {
  if (!holdsOn((await deps.store.getExecution(executionId))?.status)) return false;
  const record = (await deps.store.listStages(executionId)).find((entry) => entry.stageName === stage);
  // Admitted, and its stage not yet recorded; or in the stage.
  return !record || holdsOn(record.status);
}

/**
 * Lets a waiter into the stage: its stage starts (the record and the STARTED event come before its
 * actions), and its Task goes on. False when its execution no longer waits: it ended meanwhile.
 */
async function admit(deps: ExecutionDependencies, place: StagePlace, waiter: StageWaiter): Promise<boolean> {
  const execution = await deps.store.getExecution(waiter.executionId);
  const ended = endedBeforeEntry(execution?.status, place.stage);
  if (ended) {
    // Its Task may still wait (it joined again in the instant it ended): it waits no more.
    await failWaiting(deps, waiter, ended);
    return false;
  }
  const pipeline = pipelineRefOf(execution!);
  const now = deps.clock().toISOString();
  const stage = { pipelineExecutionId: waiter.executionId, stageName: place.stage, startTime: now, lastUpdateTime: now };
  await deps.store.putStage({ ...stage, status: 'InProgress' });
  // The event's start time and attempt are the record's, just read.
  await publishStageState(deps, pipeline, { stage: place.stage, state: 'STARTED' }, execution);
  try {
    await deps.callbacks.succeed(waiter.taskToken, {});
    return true;
  } catch (error) {
    if (!(error instanceof TaskNotWaitingError)) throw error;
    // Its Task went away meanwhile (stopped, or its process died): the stage just recorded ends as its execution does.
    const ended = (await deps.store.getExecution(waiter.executionId))?.status === 'Stopped' ? 'Stopped' : 'Failed';
    await deps.store.putStage({ ...stage, status: ended, lastUpdateTime: deps.clock().toISOString() });
    await publishStageState(deps, pipeline, { stage: place.stage, state: ended === 'Stopped' ? 'STOPPED' : 'FAILED' }, execution);
    return false;
  }
}

/** An older waiter overtaken by a newer one: its execution ends Superseded, and its Task stops waiting. */
async function supersede(deps: ExecutionDependencies, place: StagePlace, older: StageWaiter, newer: StageWaiter): Promise<void> {
  if (!(await deps.locks.leave(place.pipelineName, place.stage, older.executionId))) return;
  const summary = `Superseded by execution ${newer.executionId} while it waited to enter ${place.stage}.`;
  const execution = await deps.store.getExecution(older.executionId);
  if (execution && (await deps.store.finishExecution(older.executionId, 'Superseded', summary, deps.clock().toISOString()))) {
    await publishPipelineState(deps, pipelineRefOf(execution), { state: 'SUPERSEDED', 'execution-result': { 'external-execution-summary': summary } });
  }
  await failWaiting(deps, older, new SupersededError(summary));
}
