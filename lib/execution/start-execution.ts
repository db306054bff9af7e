import type { ExecutionInput, SourceRevision } from '../core/compile';
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
  });
  const pipeline = { name: request.pipeline.name, version: request.version, executionId, variables, ...pinned };
  await publishPipelineState(deps, pipeline, {
    state: 'STARTED',
    'execution-trigger': { 'trigger-type': request.trigger.triggerType, 'trigger-detail': request.trigger.triggerDetail },
  });
  return { pipeline, actions: {} };
}
