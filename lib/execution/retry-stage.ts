import { compileCatalog } from './compile-catalog';
import { stageEntryDefinition, type ExecutionInput, type StageRetryInput } from '../core/compile';
import type { ActionStepResult } from '../core/task-payloads';
import { NotLatestPipelineExecutionError, StageNotRetryableError } from '../core/errors';
import type { RetryTrigger, StageRetries } from '../core/status';
import type { ActionExecutionRecord, AttemptChange, PipelineExecutionRecord, PipelineVersionRecord } from '../ports/execution-store';
import { resumeInput, slotResult } from './approval-resume';
import type { ExecutionDependencies } from './dependencies';
import { publishPipelineState, publishStageState } from './publish';
import { pipelineRefOf } from './stage-entry';

/** CodePipeline's StageRetryMode: only the actions that did not succeed run again, or all of the stage's. */
export type RetryMode = 'FAILED_ACTIONS' | 'ALL_ACTIONS';
export const RETRY_MODES: readonly RetryMode[] = ['FAILED_ACTIONS', 'ALL_ACTIONS'];

/** How many automatic retries a stage makes in one execution, as CodePipeline allows ("one attempt"). */
const AUTOMATIC_RETRIES = 1;

/** A stage's retry, planned: the attempt it begins, the run's input, and the records of the actions that run again. */
export interface StageRetryPlan {
  execution: PipelineExecutionRecord;
  /** The state input at the stage's enter step, with `pipeline.retry`. */
  input: ExecutionInput & { pipeline: { retry: StageRetryInput } };
  change: AttemptChange;
  rerun: ActionExecutionRecord[];
}

/**
 * Plans the retry of a failed stage of `execution` in its own version `version`: the earlier
 * stages' results rebuilt from the records, as a resume rebuilds them, and with FAILED_ACTIONS
 * the results of the stage's actions that succeeded, which do not run again. Refused
 * (StageNotRetryableError) when the stage did not fail, or an earlier result is missing.
 */
export async function planStageRetry(
  deps: Pick<ExecutionDependencies, 'store' | 'providers'>,
  execution: PipelineExecutionRecord,
  version: PipelineVersionRecord,
  stage: string,
  mode: RetryMode,
  trigger: RetryTrigger,
): Promise<StageRetryPlan> {
  const id = execution.pipelineExecutionId;
  const [stages, actions] = await Promise.all([deps.store.listStages(id), deps.store.listActions(id)]);
  const status = stages.find((record) => record.stageName === stage)?.status;
  if (status !== 'Failed')
    throw new StageNotRetryableError(`Stage ${stage} of execution ${id} has not failed (${status ?? 'it never ran'}): only a failed stage is retried.`);
  const entry = stageEntryDefinition(version.declaration, compileCatalog(deps), stage);
  const input = entry && resumeInput(execution, actions, entry.slots);
  if (!entry || !input) throw new StageNotRetryableError(`Execution ${id} has no result of an action before ${stage} to run it again with.`);

  const kept: Record<string, Partial<ActionStepResult>> = {};
  const rerun: ActionExecutionRecord[] = [];
  for (const { action, key, slot } of entry.actions) {
    const record = actions.find((candidate) => candidate.stageName === stage && candidate.actionName === action);
    if (!record) continue;
    const result = slotResult(record);
    if (mode === 'FAILED_ACTIONS' && record.status === 'Succeeded' && (!slot || result)) kept[key] = slot ? result! : {};
    else rerun.push(record);
  }
  const attempt = (execution.attempt ?? 1) + 1;
  const retries = execution.stageRetries?.[stage] ?? { autoStageRetryAttempt: 0, manualStageRetryAttempt: 0 };
  const counted: StageRetries = {
    autoStageRetryAttempt: retries.autoStageRetryAttempt + (trigger === 'AutomatedStageRetry' ? 1 : 0),
    manualStageRetryAttempt: retries.manualStageRetryAttempt + (trigger === 'ManualStageRetry' ? 1 : 0),
    latestRetryTrigger: trigger,
  };
  return {
    execution,
    input: { ...input, pipeline: { ...input.pipeline, retry: { stage, attempt, kept } } },
    change: { from: execution.status, attempt, stageRetries: { ...execution.stageRetries, [stage]: counted } },
    rerun,
  };
}

/** Whether a stage's automatic retry is still to come: a stage retries by itself once in an execution. */
export function retriesByItself(execution: PipelineExecutionRecord, stage: string): boolean {
  return (execution.stageRetries?.[stage]?.autoStageRetryAttempt ?? 0) < AUTOMATIC_RETRIES;
}

/**
 * Begins the planned attempt: the execution is InProgress at it (false, changing nothing, when
 * another retry or end came first), the records of the actions that run again are set aside for
 * ListActionExecutions, and RESUMED is announced for the execution and the stage.
 */
export async function beginStageRetry(deps: ExecutionDependencies, plan: StageRetryPlan): Promise<boolean> {
  const id = plan.execution.pipelineExecutionId;
  if (!(await deps.store.beginAttempt(id, plan.change, deps.clock().toISOString()))) return false;
  for (const record of plan.rerun) await deps.store.setActionAside(record);
  const pipeline = pipelineRefOf(plan.execution);
  await publishPipelineState(deps, pipeline, { state: 'RESUMED' });
  await publishStageState(deps, pipeline, { stage: plan.input.pipeline.retry.stage, state: 'RESUMED' });
  return true;
}

/**
 * Refuses the retry of `stage` when a later execution of the pipeline has entered it since: that
 * one's run of the stage is the latest (NotLatestPipelineExecutionException).
 */
export async function refuseIfNotLatest(deps: Pick<ExecutionDependencies, 'store'>, execution: PipelineExecutionRecord, stage: string): Promise<void> {
  for await (const later of executionsNewestFirst(deps, execution.pipelineName)) {
    if (later.pipelineExecutionId === execution.pipelineExecutionId) return;
    if ((await deps.store.listStages(later.pipelineExecutionId)).some((record) => record.stageName === stage)) {
      throw new NotLatestPipelineExecutionError(
        `Execution ${later.pipelineExecutionId} has entered ${stage} since execution ${execution.pipelineExecutionId} failed there: only the latest execution in a stage is retried.`,
      );
    }
  }
}

/** A pipeline's executions, newest first, read a page at a time as they are asked for. */
export async function* executionsNewestFirst(deps: Pick<ExecutionDependencies, 'store'>, pipelineName: string): AsyncGenerator<PipelineExecutionRecord> {
  const PAGE = 100;
  let page = await deps.store.listExecutions(pipelineName, PAGE);
  for (;;) {
    yield* page;
    const last = page.at(-1);
    if (page.length < PAGE || !last) return;
    // A page goes on from the last execution of the one before, which it lists again.
    page = (await deps.store.listExecutions(pipelineName, PAGE + 1, last)).slice(1);
  }
}
