import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskStep } from '../core/compile';
import { StoppedError } from '../core/errors';
import { CONDITION_STEPS } from '../core/rules';
import type { PipelineEngine } from '../ports/engine';
import type { EventFeed } from '../ports/event-bus';
import type { ExecutionStore, PipelineExecutionRecord } from '../ports/execution-store';
import type { ExecutionDependencies } from './dependencies';
import { endExecution } from './end-execution';
import { publishPipelineState, publishStageState } from './publish';
import { pipelineRefOf } from './stage-entry';

/**
 * Stop and abandon: stops the engine's run at once and ends the execution Stopped, its in-progress
 * actions Abandoned. Returns whether it is Stopped; false when it ended by itself first.
 */
export async function stopAtOnce(
  deps: ExecutionDependencies,
  engine: Pick<PipelineEngine, 'stopExecution'>,
  execution: PipelineExecutionRecord,
  reason: string,
): Promise<boolean> {
  // Without an ARN the engine never started it (its start failed after the record was made).
  if (execution.engineExecutionArn) await engine.stopExecution(execution.engineExecutionArn, reason);
  // The engine's run, or on AWS the reconciler told of the abort, may have ended it Stopped first.
  return (
    (await endExecution(deps, pipelineRefOf(execution), 'Stopped', reason)) ||
    (await deps.store.getExecution(execution.pipelineExecutionId))?.status === 'Stopped'
  );
}

/**
 * Stop and wait, its first half: the execution and its stages in progress become Stopping, as
 * CodePipeline's are, with their STOPPING events. Returns false, changing nothing, when the
 * execution is no longer InProgress.
 */
export async function markStopping(deps: ExecutionDependencies, execution: PipelineExecutionRecord, reason: string): Promise<boolean> {
  const id = execution.pipelineExecutionId;
  const now = deps.clock().toISOString();
  if (!(await deps.store.finishExecution(id, 'Stopping', reason, now))) return false;
  const pipeline = pipelineRefOf(execution);
  for (const stage of await deps.store.listStages(id)) {
    if (stage.status !== 'InProgress') continue;
    await deps.store.putStage({ ...stage, status: 'Stopping', lastUpdateTime: now });
    await publishStageState(deps, pipeline, { stage: stage.stageName, state: 'STOPPING' });
  }
  await publishPipelineState(deps, pipeline, { state: 'STOPPING', 'execution-result': { 'external-execution-summary': reason } });
  return true;
}

/**
 * Stop and wait, its second half: waits, on `feed`, until no action of the Stopping execution is
 * in progress, then stops it at once. An action the engine starts in the instant before the stop
 * reaches it is Abandoned. Settles once the execution has ended, however it ended.
 */
export async function stopOnceActionsFinish(
  deps: ExecutionDependencies,
  engine: PipelineEngine,
  feed: EventFeed,
  execution: PipelineExecutionRecord,
  reason: string,
): Promise<void> {
  const id = execution.pipelineExecutionId;
  let check = Promise.resolve();
  await new Promise<void>((done) => {
    const settle = () => {
      check = check.then(async () => {
        const current = await deps.store.getExecution(id);
        // A stop with abandon, or the run's own failure, may have ended it meanwhile.
        const stopping = current?.status === 'Stopping';
        if (stopping && (await deps.store.listActions(id)).some((action) => action.status === 'InProgress')) return;
        unsubscribe();
        if (stopping) await stopAtOnce(deps, engine, current, reason).catch(() => undefined);
        done();
      });
    };
    const unsubscribe = feed.subscribe((event) => {
      if (event.detail['execution-id'] === id) settle();
    });
    settle();
  });
}

/**
 * The steps that start something: a stage's entry or exit, an action, or a stage's conditions,
 * whose rules may run commands (Commands) or call AWS.
 */
const STARTING_STEPS: ReadonlySet<string> = new Set<TaskStep>([
  'enterStage',
  'exitStage',
  'runAction',
  'prepareBuild',
  'requestApproval',
  'queueJob',
  ...Object.values(CONDITION_STEPS),
]);

/** Whether a step starts something, and so does not run once its execution is Stopping. */
export const startsSomething = (step: string): boolean => STARTING_STEPS.has(step);

/** How a step held by a stop and wait waits, where it runs, and how it ends the execution. */
export interface StoppingWait {
  /** Waits a while for the actions in progress to finish; false once the step can wait no longer. */
  forActions(): Promise<boolean>;
  /** Ends the Stopping execution, which nothing else will, now that no action is in progress. */
  stop(execution: PipelineExecutionRecord): Promise<unknown>;
}

/**
 * Stop and wait, in a step that starts something (startsSomething): resolves, and the step runs,
 * while the execution is not Stopping. Once it is, the step does not run: it waits while actions
 * are in progress, and once none is, it stops the execution, since no later step would; then it
 * throws StoppedError. A stop with abandon, or the run's own failure, ends the wait too.
 */
export async function holdIfStopping(store: ExecutionStore, executionId: string, step: string, wait: StoppingWait): Promise<void> {
  let execution = await store.getExecution(executionId);
  if (execution?.status !== 'Stopping') return;
  while (execution?.status === 'Stopping') {
    const inProgress = (await store.listActions(executionId)).some((action) => action.status === 'InProgress');
    if (!inProgress || !(await wait.forActions())) {
      await wait.stop(execution);
      break;
    }
    execution = await store.getExecution(executionId);
  }
  throw new StoppedError(`${step} did not start: the execution was stopped, with a stop that waits for its actions in progress.`);
}

/** How often a Lambda function held by a stop and wait looks again at the actions in progress. */
const STOPPING_POLL_MS = 5_000;
/** What a held Lambda function keeps of its time to stop the execution when it can wait no longer. */
const STOPPING_WIND_DOWN_MS = 10_000;

/**
 * A held step in a Lambda function, which nothing tells when the actions in progress finish: it
 * looks again every few seconds while its time lasts, and stops the engine's run and ends the
 * execution Stopped (stopAtOnce). An action still in progress when its time runs out, which only a
 * sibling of a runOrder group started as the stop came can be, is abandoned then.
 */
export function lambdaStoppingWait(
  deps: ExecutionDependencies,
  engine: Pick<PipelineEngine, 'stopExecution'>,
  remainingTimeMs: () => number,
  pollMs = STOPPING_POLL_MS,
): StoppingWait {
  return {
    forActions: async () => {
      if (remainingTimeMs() < pollMs + STOPPING_WIND_DOWN_MS) return false;
      await sleep(pollMs);
      return true;
    },
    stop: (execution) => stopAtOnce(deps, engine, execution, execution.statusSummary ?? 'Stopped once its actions in progress had finished.'),
  };
}
