import type { AuditRecord } from '../core/audit';
import type { ActionOwner, ActionTypeId, PipelineDeclaration } from '../core/declaration';
import type { PipelineEvent } from '../core/events';
import type { Page, PageRequest } from '../core/pages';
import type { PipelineState } from '../core/pipeline-state';
import type { PruneOptions, PruneReport } from '../core/retention';
import type { ActionExecutionsPage, ActionExecutionsRequest } from './action-executions';
import type {
  ActionExecutionRecord,
  ConditionExecutionRecord,
  PipelineExecutionRecord,
  PipelineVersionRecord,
  StageExecutionRecord,
  Tag,
} from '../ports/execution-store';
import type { ActionTypeDescription } from './action-types';
import type { OverrideConditionRequest, RuleExecutionDetail, RuleExecutionsRequest, RuleTypeDescription } from './condition-operations';
import type { GitHubWebhookDescription } from './github-webhooks';

export interface ExecutionDetail {
  execution: PipelineExecutionRecord;
  stages: StageExecutionRecord[];
  actions: ActionExecutionRecord[];
  /** The evaluations of its stages' conditions, each with its rules' runs. */
  conditions?: ConditionExecutionRecord[];
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
 * What CreatePipeline did about the pipeline's first execution: started it, as CodePipeline does,
 * where an engine runs executions in the background; or why not.
 */
export type FirstExecution = { pipelineExecutionId: string } | { notStarted: string };

/** CreatePipeline's answer: the version stored, its tags, and its first execution. */
export type CreatedPipeline = PipelineVersionRecord & { tags: Tag[]; firstExecution: FirstExecution };

/** StartPipelineExecution's sourceRevisions entry: CodePipeline's SourceRevisionOverride. */
export interface SourceRevisionOverride {
  actionName: string;
  revisionType: string;
  revisionValue: string;
}

/** What StartPipelineExecution takes besides the pipeline and its variables. */
export interface StartOptions {
  /** Source actions to read these revisions rather than their latest. */
  sourceRevisions?: SourceRevisionOverride[];
  /** The same token, given again, answers the execution its first request started. */
  clientRequestToken?: string;
}

/**
 * What the `sluice` commands do, mirroring CodePipeline's API. The CLI reaches it directly, or
 * through the HTTP API of the process that owns the data dir. Where an operation cannot be done
 * (a stop where nothing runs executions in the background, a prune on AWS), the operation itself
 * answers with a refusal that says why.
 */
export interface SluiceApi {
  /** CreatePipeline: registers version 1 with its tags, and starts its first execution where an engine runs executions in the background. */
  createPipeline(declaration: PipelineDeclaration, tags?: Tag[]): Promise<CreatedPipeline>;
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
  startPipelineExecution(name: string, variables?: Record<string, string>, options?: StartOptions): Promise<{ pipelineExecutionId: string }>;
  /** StopPipelineExecution: stops a running execution, abandoning its in-progress actions or letting them finish first. */
  stopPipelineExecution(request: StopExecutionRequest): Promise<{ pipelineExecutionId: string }>;
  /**
   * RetryStageExecution: a failed stage of the latest execution in it runs again in the same
   * execution, with the earlier stages' artifacts and variables, and the execution goes on.
   */
  retryStageExecution(request: RetryStageRequest): Promise<{ pipelineExecutionId: string }>;
  /**
   * RollbackStage: a new execution, of type ROLLBACK, runs the stage alone again with the target
   * execution's artifacts and variables; without a target, the last execution that succeeded in it.
   */
  rollbackStage(request: RollbackStageRequest): Promise<{ pipelineExecutionId: string }>;
  /** DisableStageTransition: executions wait in front of the transition until it is enabled again. */
  disableStageTransition(request: DisableTransitionRequest): Promise<void>;
  /** EnableStageTransition: the executions waiting at the transition may enter the stage it leads into. */
  enableStageTransition(request: StageTransitionRequest): Promise<void>;
  /** Deletes the finished executions the retention policy lets go, with all that goes with them: a local installation's. */
  pruneExecutions(options: PruneOptions): Promise<PruneReport>;
  /** TagResource: adds or replaces tags on a pipeline named by its ARN. */
  tagResource(resourceArn: string, tags: Tag[]): Promise<void>;
  /** UntagResource: removes the tags of these keys; keys it does not have are no error. */
  untagResource(resourceArn: string, tagKeys: string[]): Promise<void>;
  listTagsForResource(resourceArn: string): Promise<Tag[]>;
  /** ListActionTypes: the action types Sluice can run, of one owner or all. */
  listActionTypes(owner?: ActionOwner): Promise<ActionTypeDescription[]>;
  getActionType(id: ActionTypeId): Promise<ActionTypeDescription>;
  /** ListWebhooks: what Sluice's one GitHub webhook starts, one definition for each pipeline's source action. */
  listWebhooks(): Promise<GitHubWebhookDescription[]>;
  /** PutWebhook: refused, saying where Sluice's one GitHub webhook is and what configures it. */
  putWebhook(): Promise<never>;
  /** OverrideStageCondition: the stage's condition being evaluated passes at once. */
  overrideStageCondition(request: OverrideConditionRequest): Promise<void>;
  /** ListRuleTypes: the rule providers of stage conditions that Sluice has. */
  listRuleTypes(ruleOwnerFilter?: string): Promise<RuleTypeDescription[]>;
  /** ListRuleExecutions: the runs of the rules of a pipeline's stage conditions, a page at a time. */
  listRuleExecutions(request: RuleExecutionsRequest): Promise<Page<RuleExecutionDetail>>;
  /** The audit trail: the control operations done to one pipeline, or to every one, newest first. A deleted pipeline's are there too. */
  listAuditRecords(listing?: AuditListing): Promise<Page<AuditRecord>>;
}

/** Which audit records to list: one pipeline's (deleted or not), or every pipeline's; a page at a time. */
export interface AuditListing extends PageRequest {
  pipelineName?: string;
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
  /**
   * true: the in-progress actions are Abandoned and the execution ends Stopped at once. false (the
   * default, as in CodePipeline): it is Stopping while they finish, and Stopped after.
   */
  abandon?: boolean;
}

/** RetryStageExecution's request. */
export interface RetryStageRequest {
  pipelineName: string;
  stageName: string;
  pipelineExecutionId: string;
  /** FAILED_ACTIONS or ALL_ACTIONS; anything else is refused as CodePipeline refuses it. */
  retryMode: string;
}

/** RollbackStage's request; CodePipeline's requires the target, Sluice's own API and CLI default it. */
export interface RollbackStageRequest {
  pipelineName: string;
  stageName: string;
  targetPipelineExecutionId?: string;
}

/** EnableStageTransition's request: the transition into a stage (Inbound), or out of it into the next (Outbound). */
export interface StageTransitionRequest {
  pipelineName: string;
  stageName: string;
  /** Inbound or Outbound; anything else is refused as CodePipeline refuses it. */
  transitionType: string;
}

/** DisableStageTransition's request: a transition, and why it is disabled. */
export interface DisableTransitionRequest extends StageTransitionRequest {
  /** Shown by GetPipelineState while the transition stays disabled. */
  reason: string;
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
