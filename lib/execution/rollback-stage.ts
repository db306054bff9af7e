import { compileCatalog } from './compile-catalog';
import { stageEntryDefinition } from '../core/compile';
import {
  NotFoundError,
  PipelineExecutionNotFoundError,
  PipelineExecutionOutdatedError,
  PipelineNotFoundError,
  StageNotFoundError,
  UnableToRollbackStageError,
} from '../core/errors';
import type { PipelineRef } from '../core/task-payloads';
import type { VersionRun } from '../ports/engine';
import type { ExecutionTrigger, PipelineExecutionRecord, PipelineVersionRecord } from '../ports/execution-store';
import { resumeInput } from './approval-resume';
import type { ExecutionDependencies } from './dependencies';
import { executionsNewestFirst } from './retry-stage';
import { holdsOn } from './stage-entry';
import { startOnEngine } from './start-on-engine';

/** RollbackStage's request; without a target, the last execution that succeeded in the stage. */
export interface RollbackRequest {
  pipelineName: string;
  stageName: string;
  targetPipelineExecutionId?: string;
  trigger: ExecutionTrigger;
}

/**
 * Starts a rollback execution of a stage, as CodePipeline's RollbackStage does: a new execution of
 * the pipeline's current version, of type ROLLBACK, that runs the stage alone with the artifacts
 * and variables that the target execution had there (its results of the earlier stages, rebuilt
 * from its records, and its pipeline variables and source revisions). It enters the stage through
 * its line like any execution. Refused (CodePipeline's errors) for a PARALLEL pipeline, the first
 * stage (of sources), a target of another pipeline or none, a rollback as target, a target of an
 * earlier version, and a target that did not succeed in the stage; `manual` also refuses while
 * another execution runs the stage. Returns the new execution's id, and the target's.
 */
export async function rollBackStage(
  deps: ExecutionDependencies,
  run: VersionRun,
  request: RollbackRequest,
  manual: boolean,
): Promise<{ pipelineExecutionId: string; targetPipelineExecutionId: string }> {
  const { pipelineName, stageName } = request;
  const version = await deps.store.getPipeline(pipelineName);
  if (!version) throw new PipelineNotFoundError(`There is no pipeline ${pipelineName}; list-pipelines shows the pipelines there are.`);
  const stages = version.declaration.stages.map((stage) => stage.name);
  const index = stages.indexOf(stageName);
  if (index < 0) throw new StageNotFoundError(`Pipeline ${pipelineName} has no stage ${stageName}; its stages are ${stages.join(', ')}.`);
  if (version.declaration.executionMode === 'PARALLEL')
    throw new UnableToRollbackStageError(`Pipeline ${pipelineName} runs its executions in PARALLEL mode, which cannot roll back a stage, as in CodePipeline.`);
  if (index === 0)
    throw new UnableToRollbackStageError(`Stage ${stageName} is the source stage of ${pipelineName}, which cannot be rolled back, as in CodePipeline.`);
  if (manual) await refuseIfRunning(deps, pipelineName, stageName);

  const target = request.targetPipelineExecutionId
    ? await namedTarget(deps, version, stageName, request.targetPipelineExecutionId)
    : await lastSucceededIn(deps, version, stageName);
  if (!target)
    throw new UnableToRollbackStageError(
      `No execution of version ${version.version} of ${pipelineName} has succeeded in ${stageName}: there is nothing to roll it back to.`,
    );
  const entry = stageEntryDefinition(version.declaration, compileCatalog(deps), stageName)!;
  const rebuilt = resumeInput(target, await deps.store.listActions(target.pipelineExecutionId), entry.slots);
  if (!rebuilt)
    throw new UnableToRollbackStageError(`Execution ${target.pipelineExecutionId} has no result of an action before ${stageName} to roll it back with.`);

  const { executionId } = await startOnEngine(
    deps,
    {
      pipeline: version.declaration,
      version: version.version,
      trigger: request.trigger,
      variables: target.variables,
      ...(target.sourceRevisions ? { sourceRevisions: target.sourceRevisions } : {}),
      rollback: { stage: stageName, target: target.pipelineExecutionId, actions: rebuilt.actions },
    },
    (id, input) => run(version, id, input),
  );
  return { pipelineExecutionId: executionId, targetPipelineExecutionId: target.pipelineExecutionId };
}

/**
 * A stage's automatic rollback (onFailure ROLLBACK, or a success condition's ROLLBACK) once it has
 * failed, to the last execution that succeeded in it. As CodePipeline documents, a stage rolls
 * back by itself only once an execution of the current version has succeeded there; until then,
 * and where nothing runs executions in the background, the failure stands (undefined), as it does
 * when the current version has no such stage. A rollback that fails does not roll back again.
 */
export async function rollBackByItself(deps: ExecutionDependencies, pipeline: PipelineRef, stage: string): Promise<string | undefined> {
  if (!deps.startRun || pipeline.rollback) return undefined;
  const trigger: ExecutionTrigger = { triggerType: 'AutomatedRollback', triggerDetail: pipeline.executionId };
  const started = rollBackStage(deps, deps.startRun, { pipelineName: pipeline.name, stageName: stage, trigger }, false);
  return started
    .then(({ pipelineExecutionId }) => pipelineExecutionId)
    .catch((error: unknown) => {
      // A pipeline deleted, or updated without the stage, since the execution started has nothing to roll back either.
      if (error instanceof UnableToRollbackStageError || error instanceof NotFoundError) return undefined;
      throw error;
    });
}

/** A target named by the request: an execution of this pipeline and version, standard, that succeeded in the stage. */
async function namedTarget(deps: ExecutionDependencies, version: PipelineVersionRecord, stage: string, targetId: string): Promise<PipelineExecutionRecord> {
  const target = await deps.store.getExecution(targetId);
  if (!target || target.pipelineName !== version.name)
    throw new PipelineExecutionNotFoundError(`Pipeline ${version.name} has no execution ${targetId}; list-pipeline-executions shows its executions.`);
  if (target.executionType === 'ROLLBACK')
    throw new UnableToRollbackStageError(`Execution ${targetId} is a rollback itself: a stage rolls back to a standard execution, as in CodePipeline.`);
  if (target.pipelineVersion !== version.version) {
    throw new PipelineExecutionOutdatedError(
      `Execution ${targetId} ran version ${target.pipelineVersion} of ${version.name}, which is at version ${version.version} now: a stage rolls back only to an execution of the current version.`,
    );
  }
  const status = (await deps.store.listStages(targetId)).find((record) => record.stageName === stage)?.status;
  if (status !== 'Succeeded')
    throw new UnableToRollbackStageError(
      `Execution ${targetId} did not succeed in ${stage} (${status ?? 'it never ran there'}): a stage rolls back to an execution that succeeded in it.`,
    );
  return target;
}

/** The newest standard execution of the current version that succeeded in the stage. */
async function lastSucceededIn(deps: ExecutionDependencies, version: PipelineVersionRecord, stage: string): Promise<PipelineExecutionRecord | undefined> {
  for await (const execution of executionsNewestFirst(deps, version.name)) {
    if (execution.executionType === 'ROLLBACK' || execution.pipelineVersion !== version.version) continue;
    const record = (await deps.store.listStages(execution.pipelineExecutionId)).find((entry) => entry.stageName === stage);
    if (record?.status === 'Succeeded') return execution;
  }
  return undefined;
}

/** CodePipeline refuses to roll back a stage that is running: here, one whose lock an execution holds while it runs the stage. */
async function refuseIfRunning(deps: ExecutionDependencies, pipelineName: string, stage: string): Promise<void> {
  const { holder } = await deps.locks.read(pipelineName, stage);
  if (!holder) return;
  const [execution, stages] = await Promise.all([deps.store.getExecution(holder), deps.store.listStages(holder)]);
  if (holdsOn(execution?.status) && stages.find((record) => record.stageName === stage)?.status === 'InProgress')
    throw new UnableToRollbackStageError(`Execution ${holder} is running ${stage} of ${pipelineName} now; roll the stage back once it has ended.`);
}
