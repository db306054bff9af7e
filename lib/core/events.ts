import type { ActionTypeId } from './declaration';

/**
 * CodePipeline's execution state-change events, with its detail-types and detail fields, from
 * source `sluice`. States are upper case, as in CodePipeline.
 */
export const EVENT_SOURCE = 'sluice';

export const DETAIL_TYPES = {
  pipeline: 'CodePipeline Pipeline Execution State Change',
  stage: 'CodePipeline Stage Execution State Change',
  action: 'CodePipeline Action Execution State Change',
} as const;

export type PipelineEventState = 'STARTED' | 'SUCCEEDED' | 'RESUMED' | 'FAILED' | 'CANCELED' | 'SUPERSEDED' | 'STOPPING' | 'STOPPED';
export type StageEventState = 'STARTED' | 'SUCCEEDED' | 'RESUMED' | 'FAILED' | 'CANCELED' | 'STOPPING' | 'STOPPED';
export type ActionEventState = 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'ABANDONED';

export interface EventArtifact {
  name: string;
  s3location: { bucket: string; key: string };
}

export interface PipelineEventDetail {
  pipeline: string;
  version: number;
  'execution-id': string;
  state: PipelineEventState;
  'execution-trigger'?: { 'trigger-type': string; 'trigger-detail': string };
  'execution-result'?: { 'external-execution-summary'?: string; 'error-code'?: string };
}

export interface StageEventDetail {
  pipeline: string;
  version: number;
  'execution-id': string;
  stage: string;
  state: StageEventState;
}

export interface ActionEventDetail {
  pipeline: string;
  version: number;
  'execution-id': string;
  stage: string;
  action: string;
  state: ActionEventState;
  type: Pick<ActionTypeId, 'owner' | 'category' | 'provider' | 'version'>;
  'input-artifacts'?: EventArtifact[];
  'output-artifacts'?: EventArtifact[];
  'execution-result'?: {
    'external-execution-id'?: string;
    'external-execution-summary'?: string;
    'external-execution-url'?: string;
    'error-code'?: string;
  };
}

interface Envelope<T extends string, D> {
  version: '0';
  id: string;
  'detail-type': T;
  source: typeof EVENT_SOURCE;
  time: string;
  resources: string[];
  detail: D;
}

export type PipelineEvent =
  | Envelope<typeof DETAIL_TYPES.pipeline, PipelineEventDetail>
  | Envelope<typeof DETAIL_TYPES.stage, StageEventDetail>
  | Envelope<typeof DETAIL_TYPES.action, ActionEventDetail>;

export type EventDetail<T extends PipelineEvent['detail-type']> = Extract<PipelineEvent, { 'detail-type': T }>['detail'];

/** Wraps a detail in the EventBridge envelope. `id` and `time` come from the caller. */
export function pipelineEvent<T extends PipelineEvent['detail-type']>(
  detailType: T,
  detail: EventDetail<T>,
  meta: { id: string; time: string; pipelineArn: string },
): PipelineEvent {
  return {
    version: '0',
    id: meta.id,
    'detail-type': detailType,
    source: EVENT_SOURCE,
    time: meta.time,
    resources: [meta.pipelineArn],
    detail,
  } as PipelineEvent;
}
