import type { PipelineExecutionStatus } from '../core/status';
import type { PipelineRef } from '../core/task-payloads';
import type { ExecutionDependencies } from './dependencies';
import { publishActionState, publishPipelineState, publishStageState } from './publish';
import { leaveEveryStage } from './stage-entry';

/**
 * Marks the actions still InProgress as ended: those of the execution, of one stage, or one
 * action of it. Actions that record their own end never reach here; a native integration's
 * failure or a timeout does.
 */
export async function abandonActions(
  deps: ExecutionDependencies,
  pipeline: PipelineRef,
  scope: { stage?: string; action?: string },
  status: 'Failed' | 'Abandoned',
  reason: string,
): Promise<void> {
  const now = deps.clock().toISOString();
  for (const action of await deps.store.listActions(pipeline.executionId)) {
    if (action.status !== 'InProgress') continue;
    if ((scope.stage !== undefined && action.stageName !== scope.stage) || (scope.action !== undefined && action.actionName !== scope.action)) continue;
    const errorDetails = { code: status === 'Failed' ? 'JobFailed' : 'Abandoned', message: reason };
    const ended = { ...action, status, lastUpdateTime: now, errorDetails };
    if (await deps.store.putAction(ended)) await publishActionState(deps, pipeline, ended, status === 'Failed' ? 'FAILED' : 'ABANDONED');
  }
}

/**
 * Ends an execution as its engine's run `runArn` ended without reaching the execution's end,
 * unless a later run of it (a retry of a stage) has taken over: that one goes on.
 */
export async function endRun(
  deps: ExecutionDependencies,
  pipeline: PipelineRef,
  runArn: string,
  status: Extract<PipelineExecutionStatus, 'Stopped' | 'Failed'>,
  reason: string,
): Promise<boolean> {
  const latest = (await deps.store.getExecution(pipeline.executionId))?.engineExecutionArn;
  if (latest !== undefined && latest !== runArn) return false;
  return endExecution(deps, pipeline, status, reason);
}

/**
 * Ends an execution that did not reach its own end: stopped by the user, or interrupted when the
 * process running it died. Running actions are abandoned and running (or Stopping) stages take the same end.
 */
export async function endExecution(
  deps: ExecutionDependencies,
  pipeline: PipelineRef,
  status: Extract<PipelineExecutionStatus, 'Stopped' | 'Failed'>,
  reason: string,
): Promise<boolean> {
  const now = deps.clock().toISOString();
  await abandonActions(deps, pipeline, {}, 'Abandoned', reason);
  for (const stage of await deps.store.listStages(pipeline.executionId)) {
    if (stage.status !== 'InProgress' && stage.status !== 'Stopping') continue;
    await deps.store.putStage({ ...stage, status, lastUpdateTime: now });
    await publishStageState(deps, pipeline, { stage: stage.stageName, state: status === 'Stopped' ? 'STOPPED' : 'FAILED' });
  }
  const ended = await deps.store.finishExecution(pipeline.executionId, status, reason, now);
  if (ended) {
    await publishPipelineState(deps, pipeline, {
      state: status === 'Stopped' ? 'STOPPED' : 'FAILED',
      'execution-result': { 'external-execution-summary': reason },
    });
  }
  // Ended by itself meanwhile, it let go of its stage as it ended; leaving again changes nothing.
  await leaveEveryStage(deps, pipeline);
  return ended;
}
