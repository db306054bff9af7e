import type { PipelineRef } from '../core/task-payloads';
import type { PipelineEngine } from '../ports/engine';
import type { EventFeed } from '../ports/event-bus';
import type { PipelineExecutionRecord } from '../ports/execution-store';
import type { ExecutionDependencies } from './dependencies';
import { endExecution } from './end-execution';
import { publishPipelineState, publishStageState } from './publish';

const pipelineRef = (execution: PipelineExecutionRecord): PipelineRef => ({
  name: execution.pipelineName,
  version: execution.pipelineVersion,
  executionId: execution.pipelineExecutionId,
  variables: execution.variables,
});

/**
 * Stop and abandon: stops the engine's run at once and ends the execution Stopped, its in-progress
 * actions Abandoned. Returns whether it is Stopped; false when it ended by itself first.
 */
export async function stopAtOnce(deps: ExecutionDependencies, engine: PipelineEngine, execution: PipelineExecutionRecord, reason: string): Promise<boolean> {
  // Without an ARN the engine never started it (its start failed after the record was made).
  if (execution.engineExecutionArn) await engine.stopExecution(execution.engineExecutionArn, reason);
  // The engine's run, or on AWS the reconciler told of the abort, may have ended it Stopped first.
  return (
    (await endExecution(deps, pipelineRef(execution), 'Stopped', reason)) ||
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
  const pipeline = pipelineRef(execution);
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
