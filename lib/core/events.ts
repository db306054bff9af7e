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

/** What every event of one execution carries, whatever it is about. */
interface ExecutionEventFields {
  pipeline: string;
  version: number;
  'execution-id': string;
  /** When the pipeline execution started. */
  'start-time': string;
  'pipeline-execution-attempt': number;
}

export interface PipelineEventDetail extends ExecutionEventFields {
  state: PipelineEventState;
  'execution-trigger'?: { 'trigger-type': string; 'trigger-detail': string };
  'execution-result'?: { 'external-execution-summary'?: string; 'error-code'?: string };
}

export interface StageEventDetail extends ExecutionEventFields {
  stage: string;
  state: StageEventState;
}

export interface ActionEventDetail extends ExecutionEventFields {
  stage: string;
  action: string;
  'action-execution-id': string;
  state: ActionEventState;
  /** Where the action ran. */
  region: string;
  type: Pick<ActionTypeId, 'owner' | 'category' | 'provider' | 'version'>;
  'input-artifacts'?: EventArtifact[];
  'output-artifacts'?: EventArtifact[];
  'execution-result'?: {
    'external-execution-id'?: string;
    'external-execution-summary'?: string;
    'external-execution-url'?: string;
    /** CodePipeline's failure type (JobFailed, ConfigurationError, PermissionError), on a FAILED action. */
    'error-code'?: string;
  };
}

interface Envelope<T extends string, D> {
  version: '0';
  id: string;
  'detail-type': T;
  source: typeof EVENT_SOURCE;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: D;
}

export type PipelineEvent =
  | Envelope<typeof DETAIL_TYPES.pipeline, PipelineEventDetail>
  | Envelope<typeof DETAIL_TYPES.stage, StageEventDetail>
  | Envelope<typeof DETAIL_TYPES.action, ActionEventDetail>;

export type EventDetail<T extends PipelineEvent['detail-type']> = Extract<PipelineEvent, { 'detail-type': T }>['detail'];

/** A detail as its emitter states it: `pipelineEvent` adds what the execution and the installation tell. */
export type StatedDetail<T extends PipelineEvent['detail-type']> = Omit<EventDetail<T>, 'start-time' | 'pipeline-execution-attempt' | 'region'>;

/** What an event's envelope is made of, besides its detail: `id` and `time` come from the caller. */
export interface EventMeta {
  id: string;
  time: string;
  /** The pipeline's ARN, whose region and account are the installation's: the event's too. */
  pipelineArn: string;
  /** When the execution started. */
  startTime: string;
  /** The execution's attempt: 1 (when not given), and one more with each retry of a stage. */
  attempt?: number;
}

/** The region and account of an ARN (`arn:partition:service:region:account:resource`). */
export function arnRegionAndAccount(arn: string): { region: string; account: string } {
  const [, , , region, account] = arn.split(':');
  return { region: region ?? '', account: account ?? '' };
}

/** Wraps a detail in the EventBridge envelope, with the fields CodePipeline gives every event. */
export function pipelineEvent<T extends PipelineEvent['detail-type']>(detailType: T, detail: StatedDetail<T>, meta: EventMeta): PipelineEvent {
  const { region, account } = arnRegionAndAccount(meta.pipelineArn);
  const execution = { 'start-time': meta.startTime, 'pipeline-execution-attempt': meta.attempt ?? 1 };
  return {
    version: '0',
    id: meta.id,
    'detail-type': detailType,
    source: EVENT_SOURCE,
    account,
    time: meta.time,
    region,
    resources: [meta.pipelineArn],
    detail: detailType === DETAIL_TYPES.action ? { ...detail, ...execution, region } : { ...detail, ...execution },
  } as PipelineEvent;
}

const FAILURE_TYPES: ReadonlyMap<string, string> = new Map([
  ['Sluice.BadInput', 'ConfigurationError'],
  ['Sluice.AccessDenied', 'PermissionError'],
]);

/**
 * The code CodePipeline gives a failed action (its FailureType: JobFailed, ConfigurationError,
 * PermissionError, ...), for the error Sluice recorded: a wrong configuration and a denied access
 * are told apart, and every other failure is the job's own.
 */
export function actionErrorCode(recordedCode: string): string {
  return FAILURE_TYPES.get(recordedCode) ?? 'JobFailed';
}
