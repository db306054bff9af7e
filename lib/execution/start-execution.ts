import { declaredArtifactStores, type ExecutionInput, type SourceRevision, type StageRollbackInput } from '../core/compile';
import type { PipelineDeclaration } from '../core/declaration';
import { BadInputError } from '../core/errors';
import type { ExecutionTrigger } from '../ports/execution-store';
import type { ExecutionDependencies } from './dependencies';
import { publishPipelineState } from './publish';

export interface StartRequest {
  pipeline: PipelineDeclaration;
  version: number;
  trigger: ExecutionTrigger;
  /** `--var name=value`: overrides of the pipeline's variables. */
  variables?: Record<string, string>;
  /** Source actions to build from these revisions rather than their branch's head. */
  sourceRevisions?: SourceRevision[];
  /** The id to record it under, when the caller has bound one already (a clientRequestToken's); a new one otherwise. */
  executionId?: string;
  /** A rollback execution: the stage it runs, the execution it rolls back to, and the results of the stages before it. */
  rollback?: StageRollbackInput & Pick<ExecutionInput, 'actions'>;
}

/** The pipeline variables for one execution: defaults, overridden by the request. */
export function executionVariables(pipeline: PipelineDeclaration, overrides: Record<string, string> = {}): Record<string, string> {
  const declared = pipeline.variables ?? [];
  const unknown = Object.keys(overrides).filter((name) => !declared.some((variable) => variable.name === name));
  if (unknown.length > 0) {
    const names = declared.map((variable) => variable.name).join(', ') || 'none';
    throw new BadInputError(`Pipeline ${pipeline.name} has no variable ${unknown.join(', ')}. Its variables: ${names}.`);
  }
  const values: Record<string, string> = {};
  for (const variable of declared) {
    const value = overrides[variable.name] ?? variable.defaultValue;
    if (value === undefined) throw new BadInputError(`Variable ${variable.name} has no default value; give one with --var ${variable.name}=VALUE.`);
    values[variable.name] = value;
  }
  return values;
}

/** Records a new execution as InProgress, announces it, and returns the state machine's input. */
export async function startExecution(deps: ExecutionDependencies, request: StartRequest): Promise<ExecutionInput> {
  const variables = executionVariables(request.pipeline, request.variables);
  const executionId = request.executionId ?? deps.newId();
  const now = deps.clock().toISOString();
  const pinned = request.sourceRevisions ? { sourceRevisions: request.sourceRevisions } : {};
  const stores = declaredArtifactStores(request.pipeline, { bucketName: deps.artifactBucket, homeRegion: deps.region });
  if (!stores) {
    const regions = Object.keys(request.pipeline.artifactStores ?? {}).join(', ');
    throw new BadInputError(
      `Pipeline ${request.pipeline.name} declares artifactStores for ${regions}, and none for ${deps.region ?? "this installation's region"}, where it runs: add an artifactStores entry for it.`,
    );
  }
  const { rollback } = request;
  await deps.store.createExecution({
    pipelineName: request.pipeline.name,
    pipelineVersion: request.version,
    pipelineExecutionId: executionId,
    status: 'InProgress',
    startTime: now,
    lastUpdateTime: now,
    trigger: request.trigger,
    variables,
    ...pinned,
    ...stores,
    ...(rollback
      ? { executionType: 'ROLLBACK', rollbackMetadata: { rollbackTargetPipelineExecutionId: rollback.target }, rolledBackStage: rollback.stage }
      : {}),
  });
  const pipeline = {
    name: request.pipeline.name,
    version: request.version,
    executionId,
    startTime: now,
    variables,
    ...pinned,
    ...stores,
    ...(rollback ? { rollback: { stage: rollback.stage, target: rollback.target } } : {}),
  };
  await publishPipelineState(deps, pipeline, {
    state: 'STARTED',
    'execution-trigger': { 'trigger-type': request.trigger.triggerType, 'trigger-detail': request.trigger.triggerDetail },
  });
  return { pipeline, actions: rollback?.actions ?? {} };
}
