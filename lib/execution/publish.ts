import {
  actionErrorCode,
  DETAIL_TYPES,
  pipelineEvent,
  type ActionEventDetail,
  type ActionEventState,
  type EventArtifact,
  type PipelineEvent,
  type StatedDetail,
} from '../core/events';
import type { PipelineRef } from '../core/task-payloads';
import type { ActionArtifact, ActionExecutionRecord, PipelineExecutionRecord } from '../ports/execution-store';
import type { ExecutionDependencies } from './dependencies';

type Deps = Pick<ExecutionDependencies, 'events' | 'clock' | 'newId' | 'pipelineArn' | 'store'>;

/** What every event tells of its execution. */
type ExecutionStart = Pick<PipelineExecutionRecord, 'startTime' | 'attempt'>;

type OwnFields = 'pipeline' | 'version' | 'execution-id';

const base = (pipeline: PipelineRef) => ({ pipeline: pipeline.name, version: pipeline.version, 'execution-id': pipeline.executionId });

export function publishPipelineState(deps: Deps, pipeline: PipelineRef, detail: Omit<StatedDetail<typeof DETAIL_TYPES.pipeline>, OwnFields>): Promise<void> {
  return publish(deps, pipeline, DETAIL_TYPES.pipeline, { ...base(pipeline), ...detail });
}

/** `execution`, when the caller has its record at hand, tells the event's start time and attempt. */
export function publishStageState(
  deps: Deps,
  pipeline: PipelineRef,
  detail: Omit<StatedDetail<typeof DETAIL_TYPES.stage>, OwnFields>,
  execution?: ExecutionStart,
): Promise<void> {
  return publish(deps, pipeline, DETAIL_TYPES.stage, { ...base(pipeline), ...detail }, execution);
}

const toEventArtifacts = (artifacts: ActionArtifact[]): EventArtifact[] =>
  artifacts.map(({ name, s3location }) => ({ name, s3location: { bucket: s3location.bucketName, key: s3location.objectKey } }));

/**
 * Announces an action's state, as its record stands: a start with its input artifacts, a success
 * with its output artifacts and external execution, a failure with its error code and summary.
 */
export function publishActionState(deps: Deps, pipeline: PipelineRef, record: ActionExecutionRecord, state: ActionEventState): Promise<void> {
  const result = record.output?.executionResult;
  const external = {
    ...(result?.externalExecutionId ? { 'external-execution-id': result.externalExecutionId } : {}),
    ...(result?.externalExecutionUrl ? { 'external-execution-url': result.externalExecutionUrl } : {}),
  };
  const summary = result?.externalExecutionSummary ?? record.errorDetails?.message;
  const executionResult: ActionEventDetail['execution-result'] = {
    ...external,
    ...(summary ? { 'external-execution-summary': summary } : {}),
    ...(state === 'FAILED' && record.errorDetails ? { 'error-code': actionErrorCode(record.errorDetails.code) } : {}),
  };
  const inputArtifacts = state === 'STARTED' ? record.input.inputArtifacts : [];
  const outputArtifacts = state === 'SUCCEEDED' ? (record.output?.outputArtifacts ?? []) : [];
  return publish(deps, pipeline, DETAIL_TYPES.action, {
    ...base(pipeline),
    stage: record.stageName,
    action: record.actionName,
    'action-execution-id': record.actionExecutionId,
    state,
    type: record.input.actionTypeId,
    ...(inputArtifacts.length > 0 ? { 'input-artifacts': toEventArtifacts(inputArtifacts) } : {}),
    ...(outputArtifacts.length > 0 ? { 'output-artifacts': toEventArtifacts(outputArtifacts) } : {}),
    ...(Object.keys(executionResult).length > 0 ? { 'execution-result': executionResult } : {}),
  });
}

async function publish<T extends PipelineEvent['detail-type']>(
  deps: Deps,
  pipeline: PipelineRef,
  detailType: T,
  detail: StatedDetail<T>,
  known?: ExecutionStart,
): Promise<void> {
  // Every event carries its execution's start and attempt: the record the caller has, or the run's input (a retry's input
  // its attempt), else the execution's record read here; an execution deleted meanwhile has none to tell.
  const execution =
    known ?? (pipeline.startTime ? { startTime: pipeline.startTime, attempt: pipeline.retry?.attempt } : await deps.store.getExecution(pipeline.executionId));
  const time = deps.clock().toISOString();
  const meta = {
    id: deps.newId(),
    time,
    pipelineArn: deps.pipelineArn(pipeline.name),
    startTime: execution?.startTime ?? time,
    attempt: execution?.attempt ?? 1,
  };
  return deps.events.publish(pipelineEvent(detailType, detail, meta));
}
