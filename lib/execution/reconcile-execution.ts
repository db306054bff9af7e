import { pipelineExecutionEnd, type StateMachineExecutionChange } from '../core/engine-run-end';
import { isFinished } from '../core/status';
import type { ExecutionDependencies } from './dependencies';
import { endExecution } from './end-execution';
import { publishPipelineState } from './publish';
import { leaveEveryStage, pipelineRefOf } from './stage-entry';
import { failStage } from './stage-steps';

/** What reconciling a state machine execution's end did. */
export type ReconcileOutcome = 'failed' | 'stopped' | 'already ended' | 'not an end' | 'not ours';

/**
 * Ends the pipeline execution of a state machine execution that ended without succeeding, as if
 * its failStage had run: the running stage fails with its running actions, the execution is
 * Failed, and the FAILED event goes out. A stop by StopPipelineExecution ends it Stopped. An
 * execution that has ended already (failStage ran, or this is a redelivery) is left as it is,
 * and nothing is published again: the ending write is conditional.
 */
export async function reconcileExecution(deps: ExecutionDependencies, change: StateMachineExecutionChange): Promise<ReconcileOutcome> {
  const end = pipelineExecutionEnd(change);
  if (!end) return 'not an end';
  const execution = await deps.store.getExecution(end.executionId);
  // Another stage's state machines share the name prefix, and their executions are not in this table.
  if (!execution || (execution.engineExecutionArn && execution.engineExecutionArn !== end.engineExecutionArn)) return 'not ours';
  if (isFinished(execution.status)) return 'already ended';
  const pipeline = pipelineRefOf(execution);
  if (end.status === 'Stopped') return (await endExecution(deps, pipeline, 'Stopped', end.reason)) ? 'stopped' : 'already ended';

  const running = (await deps.store.listStages(execution.pipelineExecutionId)).filter((stage) => stage.status === 'InProgress');
  let ended = false;
  for (const stage of running) ended = (await failStage(deps, pipeline, stage.stageName, end.reason)) || ended;
  // Between stages, or before the first one started, only the execution itself is running.
  if (running.length === 0 && (await deps.store.finishExecution(execution.pipelineExecutionId, 'Failed', end.reason, deps.clock().toISOString()))) {
    await publishPipelineState(deps, pipeline, { state: 'FAILED', 'execution-result': { 'external-execution-summary': end.reason } });
    ended = true;
  }
  await leaveEveryStage(deps, pipeline);
  return ended ? 'failed' : 'already ended';
}
