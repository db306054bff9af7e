import {
  DETAIL_TYPES,
  pipelineEvent,
  type ActionEventDetail,
  type EventDetail,
  type PipelineEvent,
  type PipelineEventDetail,
  type StageEventDetail,
} from '../core/events';
import type { PipelineRef } from '../core/task-payloads';
import type { ExecutionDependencies } from './dependencies';

type Deps = Pick<ExecutionDependencies, 'events' | 'clock' | 'newId' | 'pipelineArn'>;

const base = (pipeline: PipelineRef) => ({ pipeline: pipeline.name, version: pipeline.version, 'execution-id': pipeline.executionId });

export function publishPipelineState(
  deps: Deps,
  pipeline: PipelineRef,
  detail: Omit<PipelineEventDetail, 'pipeline' | 'version' | 'execution-id'>,
): Promise<void> {
  return publish(deps, pipeline, DETAIL_TYPES.pipeline, { ...base(pipeline), ...detail });
}

export function publishStageState(deps: Deps, pipeline: PipelineRef, detail: Omit<StageEventDetail, 'pipeline' | 'version' | 'execution-id'>): Promise<void> {
  return publish(deps, pipeline, DETAIL_TYPES.stage, { ...base(pipeline), ...detail });
}

export function publishActionState(deps: Deps, pipeline: PipelineRef, detail: Omit<ActionEventDetail, 'pipeline' | 'version' | 'execution-id'>): Promise<void> {
  return publish(deps, pipeline, DETAIL_TYPES.action, { ...base(pipeline), ...detail });
}

function publish<T extends PipelineEvent['detail-type']>(deps: Deps, pipeline: PipelineRef, detailType: T, detail: EventDetail<T>): Promise<void> {
  const meta = { id: deps.newId(), time: deps.clock().toISOString(), pipelineArn: deps.pipelineArn(pipeline.name) };
  return deps.events.publish(pipelineEvent(detailType, detail, meta));
}
