import { CancelledError, ConditionRollbackError, StoppedError, SupersededError } from '../core/errors';
import type { BranchFailure, PipelineRef, StageStepPayload } from '../core/task-payloads';
import type { ExecutionDependencies } from './dependencies';
import { abandonActions } from './end-execution';
import { publishPipelineState, publishStageState } from './publish';
import { joinStage, leaveStage } from './stage-entry';
import { beginStageRetry, planStageRetry, retriesByItself, type RetryMode } from './retry-stage';
import type { StageRetryInput } from '../core/compile';
import { rollBackByItself } from './rollback-stage';

/** What an enter Task fails with when its execution ended while it waited to enter: no stage to fail. */
const ENDED_BEFORE_ENTRY: ReadonlySet<string> = new Set([SupersededError.traits.name, CancelledError.traits.name, StoppedError.traits.name]);

/** Whether a stage's Catch caught the end of its execution (superseded, cancelled or stopped), which what ended it writes. */
export function endsExecution(error: StageStepPayload['error']): boolean {
  return error !== undefined && 'Error' in error && ENDED_BEFORE_ENTRY.has(error.Error ?? '');
}

/**
 * The enter, exit and failure steps of a stage; the last stage's exit ends the execution, as does
 * a rollback's exit of its stage. The failure step of a stage whose onFailure result is RETRY
 * answers with the retry it began (the run goes back to the stage's enter step with it) or null
 * (the execution has failed); one whose onFailure result is ROLLBACK, or whose success or failure
 * condition failed with ROLLBACK, starts the stage's rollback once the execution has failed.
 */
export async function runStageStep(deps: ExecutionDependencies, payload: StageStepPayload): Promise<{ retry?: StageRetryInput | null }> {
  const { pipeline, stage } = payload;
  const now = deps.clock().toISOString();
  const started = async () => (await deps.store.listStages(pipeline.executionId)).find((entry) => entry.stageName === stage)?.startTime ?? now;
  const place = { pipelineName: pipeline.name, stage, ...(payload.previousStage ? { previousStage: payload.previousStage } : {}) };

  switch (payload.step) {
    case 'enterStage':
      // The stage starts, its record and STARTED event, once its line admits the execution.
      await joinStage(deps, place, pipeline, payload.mode ?? 'SUPERSEDED', payload.taskToken!);
      break;
    case 'exitStage':
      await deps.store.putStage({
        pipelineExecutionId: pipeline.executionId,
        stageName: stage,
        status: 'Succeeded',
        startTime: await started(),
        lastUpdateTime: now,
      });
      await publishStageState(deps, pipeline, { stage, state: 'SUCCEEDED' });
      await leaveStage(deps, place, pipeline.executionId);
      if ((payload.final || pipeline.rollback) && (await deps.store.finishExecution(pipeline.executionId, 'Succeeded', undefined, now))) {
        await publishPipelineState(deps, pipeline, { state: 'SUCCEEDED' });
      }
      break;
    case 'failStage': {
      // A superseded, cancelled or stopped execution never entered the stage (or is ending): what ended it writes its end.
      if (endsExecution(payload.error)) return { retry: null };
      // Each failed action of a runOrder group that did not record its own end (a timeout) takes its own error.
      const failures = branchFailures(payload.error);
      for (const { action, error } of failures) await abandonActions(deps, pipeline, { stage, action }, 'Failed', describeError(error));
      const reason = describeError(failures[0]?.error ?? payload.error);
      const retryMode = payload.onFailure?.result === 'RETRY' ? payload.onFailure.retryConfiguration?.retryMode : undefined;
      const retry = retryMode && (await retryByItself(deps, pipeline, stage, retryMode, reason));
      const failed = !retry && (await failStage(deps, pipeline, stage, reason));
      await leaveStage(deps, place, pipeline.executionId);
      if (failed && rollsBack(payload)) await rollBackByItself(deps, pipeline, stage);
      return { retry: retry || null };
    }
  }
  return {};
}

/**
 * A stage's automatic retry (onFailure RETRY), once in an execution: the stage fails, and the
 * execution, InProgress still, begins its next attempt at the stage. Undefined when the stage has
 * retried by itself already, or the execution is no longer InProgress: it fails as any other.
 */
async function retryByItself(
  deps: ExecutionDependencies,
  pipeline: PipelineRef,
  stage: string,
  mode: RetryMode,
  reason: string,
): Promise<StageRetryInput | undefined> {
  const [execution, version] = await Promise.all([deps.store.getExecution(pipeline.executionId), deps.store.getPipeline(pipeline.name, pipeline.version)]);
  if (execution?.status !== 'InProgress' || !version || !retriesByItself(execution, stage)) return undefined;
  await markStageFailed(deps, pipeline, stage, reason);
  const plan = await planStageRetry(deps, execution, version, stage, mode, 'AutomatedStageRetry').catch(() => undefined);
  return plan && (await beginStageRetry(deps, plan)) ? plan.input.pipeline.retry : undefined;
}

/**
 * Fails a stage and its execution: its running actions fail with `reason`, and the execution's
 * summary names the action that failed. The FAILED pipeline event goes out once, with the write
 * that ends the execution; returns whether this call made it.
 */
export async function failStage(deps: ExecutionDependencies, pipeline: PipelineRef, stage: string, reason: string): Promise<boolean> {
  const now = deps.clock().toISOString();
  await markStageFailed(deps, pipeline, stage, reason);
  const failed = (await deps.store.listActions(pipeline.executionId)).find((action) => action.stageName === stage && action.status === 'Failed');
  const summary = failed ? `${stage}/${failed.actionName} failed: ${failed.errorDetails?.message ?? reason}` : `${stage} failed: ${reason}`;
  if (!(await deps.store.finishExecution(pipeline.executionId, 'Failed', summary, now))) return false;
  await publishPipelineState(deps, pipeline, { state: 'FAILED', 'execution-result': { 'external-execution-summary': summary } });
  return true;
}

/** A stage fails: its running actions fail with `reason`, and the stage's record and FAILED event say so. */
async function markStageFailed(deps: ExecutionDependencies, pipeline: PipelineRef, stage: string, reason: string): Promise<void> {
  const now = deps.clock().toISOString();
  await abandonActions(deps, pipeline, { stage }, 'Failed', reason);
  const startTime = (await deps.store.listStages(pipeline.executionId)).find((entry) => entry.stageName === stage)?.startTime ?? now;
  await deps.store.putStage({ pipelineExecutionId: pipeline.executionId, stageName: stage, status: 'Failed', startTime, lastUpdateTime: now });
  await publishStageState(deps, pipeline, { stage, state: 'FAILED' });
}

/**
 * Whether a stage's failure rolls it back: its onFailure result ROLLBACK, unless a failure condition
 * gates that rollback, or a condition that failed with ROLLBACK (a success or failure condition).
 */
function rollsBack({ onFailure, error }: StageStepPayload): boolean {
  return (onFailure?.result === 'ROLLBACK' && !onFailure.conditions) || conditionRollsBack(error);
}

/** Whether a condition that failed with ROLLBACK failed the stage. */
export function conditionRollsBack(error: StageStepPayload['error']): boolean {
  return error !== undefined && 'Error' in error && error.Error === ConditionRollbackError.traits.name;
}

function branchFailures(error: StageStepPayload['error']): NonNullable<BranchFailure>[] {
  if (!error || !('failures' in error)) return [];
  return error.failures.filter((failure) => failure !== null);
}

function describeError(error: StageStepPayload['error']): string {
  if (!error || 'failures' in error) return 'unknown error';
  return [error.Error, error.Cause].filter(Boolean).join(': ');
}
