import type { StageStepPayload } from '../core/task-payloads';
import type { ExecutionDependencies } from './dependencies';
import { abandonActions } from './end-execution';
import { publishPipelineState, publishStageState } from './publish';

/** The enter, exit and failure steps of a stage; the last stage's exit ends the execution. */
export async function runStageStep(deps: ExecutionDependencies, payload: StageStepPayload): Promise<Record<string, never>> {
  const { pipeline, stage } = payload;
  const now = deps.clock().toISOString();
  const stageRecord = (status: 'InProgress' | 'Succeeded' | 'Failed', startTime = now) => ({
    pipelineExecutionId: pipeline.executionId,
    stageName: stage,
    status,
    startTime,
    lastUpdateTime: now,
  });
  const started = async () =>
    (await deps.store.listStages(pipeline.executionId)).find((entry) => entry.stageName === stage)?.startTime ?? now;

  switch (payload.step) {
    case 'enterStage':
      await deps.store.putStage(stageRecord('InProgress'));
      await publishStageState(deps, pipeline, { stage, state: 'STARTED' });
      break;
    case 'exitStage':
      await deps.store.putStage(stageRecord('Succeeded', await started()));
      await publishStageState(deps, pipeline, { stage, state: 'SUCCEEDED' });
      if (payload.final && (await deps.store.finishExecution(pipeline.executionId, 'Succeeded', undefined, now))) {
        await publishPipelineState(deps, pipeline, { state: 'SUCCEEDED' });
      }
      break;
    case 'failStage': {
      const reason = describeError(payload.error);
      await abandonActions(deps, pipeline, stage, 'Failed', reason);
      await deps.store.putStage(stageRecord('Failed', await started()));
      await publishStageState(deps, pipeline, { stage, state: 'FAILED' });
      const failed = (await deps.store.listActions(pipeline.executionId)).find((action) => action.stageName === stage && action.status === 'Failed');
      const summary = failed ? `${stage}/${failed.actionName} failed: ${failed.errorDetails?.message ?? reason}` : `${stage} failed: ${reason}`;
      if (await deps.store.finishExecution(pipeline.executionId, 'Failed', summary, now)) {
        await publishPipelineState(deps, pipeline, { state: 'FAILED', 'execution-result': { 'external-execution-summary': summary } });
      }
      break;
    }
  }
  return {};
}

/** A Catch hands over `{Error, Cause}`; the cause of a Sluice error is its message. */
function describeError(error: StageStepPayload['error']): string {
  if (!error) return 'unknown error';
  return [error.Error, error.Cause].filter(Boolean).join(': ');
}
