import type { PipelineDeclaration } from '../core/declaration';
import type { PipelineEvent } from '../core/events';
import type { Page, PageRequest } from '../core/pages';
import type { PipelineState } from '../core/pipeline-state';
import type { PruneOptions, PruneReport } from '../core/retention';
import type { ActionExecutionsPage, ActionExecutionsRequest } from './action-executions';
import type { ActionExecutionRecord, PipelineExecutionRecord, PipelineVersionRecord, StageExecutionRecord } from '../ports/execution-store';

export interface ExecutionDetail {
  execution: PipelineExecutionRecord;
  stages: StageExecutionRecord[];
  actions: ActionExecutionRecord[];
}

/** A pipeline version as GetPipeline answers: with the pipeline's ARN and when it was first created, which its metadata shows. */
export type PipelineDescription = PipelineVersionRecord & { pipelineArn: string; pipelineCreated: string };

/** ListPipelineExecutions' page, and its filter: only executions whose stage of that name succeeded. */
export interface ExecutionListing extends PageRequest {
  succeededInStage?: string;
}

export interface ActionLogText {
  stageName: string;
  actionName: string;
  text: string;
}

/**
 * What the `sluice` commands do, mirroring CodePipeline's API. The CLI reaches it directly, or
 * through the HTTP API of the process that owns the data dir.
 */
export interface SluiceApi {
  createPipeline(declaration: PipelineDeclaration): Promise<PipelineVersionRecord>;
  updatePipeline(declaration: PipelineDeclaration): Promise<PipelineVersionRecord>;
  getPipeline(name: string, version?: number): Promise<PipelineDescription>;
  listPipelines(page?: PageRequest): Promise<Page<PipelineDescription>>;
  deletePipeline(name: string): Promise<void>;
  getPipelineState(name: string): Promise<PipelineState>;
  /** Newest first. */
  listPipelineExecutions(name: string, listing?: ExecutionListing): Promise<Page<PipelineExecutionRecord>>;
  getPipelineExecution(executionId: string): Promise<ExecutionDetail>;
  /** The logs of an execution's actions, or of the named one. */
  getLogs(executionId: string, actionName?: string): Promise<ActionLogText[]>;
  /** The CodePipeline events an execution emitted, in order; or those after the first `after`, waiting for them. */
  listExecutionEvents(executionId: string, wait?: EventWait): Promise<PipelineEvent[]>;
  /** PutApprovalResult: decides a waiting Manual approval, named by the token GetPipelineState shows. */
  putApprovalResult(request: ApprovalResultRequest): Promise<{ approvedAt: string }>;
  /** ListActionExecutions: a pipeline's action executions, newest first, a page at a time. */
  listActionExecutions(request: ActionExecutionsRequest): Promise<ActionExecutionsPage>;
  /** StartPipelineExecution: starts the latest version and answers at once, while it runs on. */
  startPipelineExecution(name: string, variables?: Record<string, string>): Promise<{ pipelineExecutionId: string }>;
}

/**
 * A follower's place in an execution's events: the events after the first `after`, and how long
 * to wait while there are none yet. Where nothing tells of new events (on AWS), the answer does
 * not wait.
 */
export interface EventWait {
  after: number;
  waitMs: number;
}

/** StopPipelineExecution's request. */
export interface StopExecutionRequest {
  pipelineName: string;
  pipelineExecutionId: string;
  /** Why; recorded as the execution's summary. */
  reason?: string;
}

/** The SluiceApi where an engine runs executions apart from the caller, so that they can be stopped: on AWS, and under sluice serve. */
export interface StoppableSluiceApi extends SluiceApi {
  /** StopPipelineExecution: ends a running execution Stopped; its in-progress actions are Abandoned. */
  stopPipelineExecution(request: StopExecutionRequest): Promise<{ pipelineExecutionId: string }>;
}

/** Whether the API can stop executions: only where an engine runs them apart from the caller. */
export function isStoppable(api: SluiceApi): api is StoppableSluiceApi {
  return 'stopPipelineExecution' in api;
}

export interface ApprovalResultRequest {
  pipelineName: string;
  stageName: string;
  actionName: string;
  result: { summary: string; status: 'Approved' | 'Rejected' };
  token: string;
  /** Who decides; recorded with the decision. */
  approver?: string;
}

/** The SluiceApi of a local installation, whose data retention bounds. */
export interface PrunableSluiceApi extends SluiceApi {
  /** Deletes the finished executions the retention policy lets go, with all that goes with them. */
  pruneExecutions(options: PruneOptions): Promise<PruneReport>;
}

/** Whether the API can prune: only a local installation's. */
export function isPrunable(api: SluiceApi): api is PrunableSluiceApi {
  return 'pruneExecutions' in api;
}
