import type { ApprovalDecision } from './approval-store';
import type { PipelineEvent } from '../core/events';
import type { ExecutionArtifactStore, SourceRevision } from '../core/compile';
import type { ActionTypeId, PipelineDeclaration } from '../core/declaration';
import type { ActionExecutionStatus, PipelineExecutionStatus, StageExecutionStatus, StageRetries } from '../core/status';
import type { ConditionStatus, ConditionType, RuleStatus } from '../core/rules';
import type { S3Location } from './blob-store';

export interface ExecutionTrigger {
  triggerType:
    | 'CreatePipeline'
    | 'StartPipelineExecution'
    | 'PollForSourceChanges'
    | 'Webhook'
    | 'CloudWatchEvent'
    | 'PutActionRevision'
    | 'WebhookV2'
    | 'ManualRollback'
    | 'AutomatedRollback';
  triggerDetail: string;
}

export interface PipelineExecutionRecord {
  pipelineName: string;
  pipelineVersion: number;
  pipelineExecutionId: string;
  status: PipelineExecutionStatus;
  statusSummary?: string;
  startTime: string;
  lastUpdateTime: string;
  trigger: ExecutionTrigger;
  variables: Record<string, string>;
  sourceRevisions?: SourceRevision[];
  /** Where its artifacts and action logs go, from its pipeline's declaration at its start. */
  artifactStore?: ExecutionArtifactStore;
  /** Where its cross-region actions keep their artifacts, by region, from its pipeline's artifactStores at its start. */
  regionalArtifactStores?: Record<string, ExecutionArtifactStore>;
  /** The engine's run of it (its latest, once a stage is retried): what stopping it stops. */
  engineExecutionArn?: string;
  /** The attempt it makes: absent for the first, and one more with each retry of a stage. */
  attempt?: number;
  /** The stages retried, by name, with their retries counted as GetPipelineState's retryStageMetadata has them. */
  stageRetries?: Record<string, StageRetries>;
  /** ROLLBACK for an execution that RollbackStage (or a stage's automatic rollback) started; absent for a STANDARD one. */
  executionType?: 'ROLLBACK';
  /** A rollback's target: the execution whose artifacts and variables the stage runs with again. */
  rollbackMetadata?: { rollbackTargetPipelineExecutionId: string };
  /** The stage a rollback runs, its only one. */
  rolledBackStage?: string;
}

/** Another attempt of an execution begun: from the status it is in, at the attempt after the one it is at. */
export interface AttemptChange {
  from: PipelineExecutionStatus;
  attempt: number;
  stageRetries: Record<string, StageRetries>;
}

/** Where an execution stands in its pipeline's list of executions, newest first. */
export type ExecutionPosition = Pick<PipelineExecutionRecord, 'startTime' | 'pipelineExecutionId'>;

export interface StageExecutionRecord {
  pipelineExecutionId: string;
  stageName: string;
  status: StageExecutionStatus;
  startTime: string;
  lastUpdateTime: string;
}

export interface ActionArtifact {
  name: string;
  s3location: S3Location;
}

export interface ActionExecutionRecord {
  pipelineExecutionId: string;
  stageName: string;
  actionName: string;
  actionExecutionId: string;
  status: ActionExecutionStatus;
  startTime: string;
  lastUpdateTime: string;
  input: {
    actionTypeId: ActionTypeId;
    /** The configuration as declared, `#{...}` references and all. */
    configuration: Record<string, string>;
    /** The configuration with its variables resolved. */
    resolvedConfiguration: Record<string, string>;
    inputArtifacts: ActionArtifact[];
    namespace?: string;
    /** The action's own region and role, where the declaration gives them. */
    region?: string;
    roleArn?: string;
  };
  output?: {
    outputArtifacts: ActionArtifact[];
    outputVariables: Record<string, string>;
    executionResult?: { externalExecutionId?: string; externalExecutionSummary?: string; externalExecutionUrl?: string };
  };
  errorDetails?: { code: string; message: string };
  logLocation?: S3Location;
  /** A Manual approval's ids: the token GetPipelineState shows, and the approval it stands for. */
  approval?: { token: string; approvalId: string; decision?: ApprovalDecision };
}

/** One rule's run within a condition's evaluation, as ListRuleExecutions shows it. */
export interface RuleExecutionRecord {
  ruleName: string;
  ruleExecutionId: string;
  status: RuleStatus;
  summary?: string;
  startTime: string;
  lastUpdateTime: string;
  input: {
    ruleTypeId: { category: 'Rule'; owner: 'AWS'; provider: string; version: string };
    configuration: Record<string, string>;
    resolvedConfiguration: Record<string, string>;
    inputArtifacts: ActionArtifact[];
    region?: string;
    roleArn?: string;
  };
  externalExecutionId?: string;
}

/** The evaluation of a stage's condition in one execution: its status, and each rule's run. */
export interface ConditionExecutionRecord {
  pipelineExecutionId: string;
  pipelineVersion: number;
  stageName: string;
  conditionType: ConditionType;
  status: ConditionStatus;
  summary?: string;
  lastStatusChange: string;
  rules: RuleExecutionRecord[];
  /** Who overrode the condition while it was evaluated (OverrideStageCondition), and when. */
  override?: { by: string; at: string };
}

export interface PipelineVersionRecord {
  name: string;
  version: number;
  declaration: PipelineDeclaration;
  created: string;
  /** On AWS: the pipeline's state machine, and the version of it published for this pipeline version. */
  stateMachineArn?: string;
  versionArn?: string;
  /**
   * Set on a pipeline that the AWS stack deploys from one of its pipelines/*.yml: the stack
   * publishes its state machine and records each version, so only a deploy of the file changes it.
   */
  managedBy?: { stackId: string; file: string };
}

/** A tag, as CodePipeline's Tag shape has it. */
export interface Tag {
  key: string;
  value: string;
}

/** A pipeline's tags, and the revision a change names, so that of two concurrent changes one fails rather than one is lost. */
export interface PipelineTags {
  tags: Tag[];
  /** 0 while the pipeline has never had tags. */
  revision: number;
}

/**
 * Executions, and the stage and action executions within them. Writes that guard an invariant
 * are conditional: a finished execution or action never changes again.
 */
export interface ExecutionStore {
  /** Rejects if an execution with this id exists. */
  createExecution(record: PipelineExecutionRecord): Promise<void>;
  /**
   * Moves an execution to `status` if it is in one of the statuses that may move there.
   * Returns false, changing nothing, when it is not.
   */
  finishExecution(id: string, status: PipelineExecutionStatus, statusSummary: string | undefined, at: string): Promise<boolean>;
  /**
   * Begins another attempt of an execution, a stage of it retried: if it is still in `change.from`
   * at the attempt before `change.attempt`, it is InProgress at that attempt, with its stage
   * retries, and no summary. Returns false, changing nothing, when it is not: a concurrent retry.
   */
  beginAttempt(id: string, change: AttemptChange, at: string): Promise<boolean>;
  /** Records the engine's execution of a created execution, once the engine has started it. */
  recordEngineExecution(id: string, engineExecutionArn: string): Promise<void>;
  getExecution(id: string): Promise<PipelineExecutionRecord | undefined>;
  /**
   * Newest first (by start time, then id). With `from`, only that execution and those that started
   * before it: where the previous page ended, a page goes on.
   */
  listExecutions(pipelineName: string, limit?: number, from?: ExecutionPosition): Promise<PipelineExecutionRecord[]>;
  listExecutionsInProgress(): Promise<PipelineExecutionRecord[]>;
  /** Every pipeline's executions, those of deleted pipelines too: for retention, on a small table. */
  listAllExecutions(): Promise<PipelineExecutionRecord[]>;
  /**
   * Deletes an execution's stages, actions and events, and then the execution itself: an
   * interrupted deletion leaves the execution listed, for the next one to finish.
   */
  deleteExecution(id: string): Promise<void>;

  putStage(record: StageExecutionRecord): Promise<void>;
  listStages(executionId: string): Promise<StageExecutionRecord[]>;

  /** Writes the action record unless it is already finished; returns false when it was. */
  putAction(record: ActionExecutionRecord): Promise<boolean>;
  listActions(executionId: string): Promise<ActionExecutionRecord[]>;
  /**
   * Sets a finished action's record aside, for the action to run again in a retry of its stage:
   * listActions lists it no more, listActionHistory does.
   */
  setActionAside(record: ActionExecutionRecord): Promise<void>;
  /** The records set aside by retries, in no particular order. */
  listActionHistory(executionId: string): Promise<ActionExecutionRecord[]>;

  /** Writes a condition's evaluation unless it has finished; returns false when it had. */
  putCondition(record: ConditionExecutionRecord): Promise<boolean>;
  listConditions(executionId: string): Promise<ConditionExecutionRecord[]>;
  /** Marks a condition that is being evaluated as overridden; returns false, changing nothing, when it is not InProgress. */
  overrideCondition(executionId: string, stageName: string, conditionType: ConditionType, override: { by: string; at: string }): Promise<boolean>;

  /**
   * Keeps an execution's event, for `sluice events`, after those recorded before it. An event
   * recorded already (the same id) is kept once. Concurrent writers lose nothing.
   */
  recordEvent(event: PipelineEvent): Promise<void>;
  /**
   * An execution's events in the order they were recorded, or those after the first `after`. The
   * order never changes once read: an event recorded later comes after every event read before
   * it, so a reader that asks for those after the N it has seen misses none and sees none twice.
   */
  listEvents(executionId: string, after?: number): Promise<PipelineEvent[]>;

  /** Stores a new version; rejects when `version` exists. */
  putPipelineVersion(record: PipelineVersionRecord): Promise<void>;
  getPipeline(name: string, version?: number): Promise<PipelineVersionRecord | undefined>;
  listPipelines(): Promise<PipelineVersionRecord[]>;
  /** Deletes every version of the pipeline, with its tags, its request tokens and the revisions its polls noted. */
  deletePipeline(name: string): Promise<boolean>;

  /**
   * The marker of the revision that the last poll of a pipeline's source action found
   * (PollForSourceChanges); undefined while no poll has looked at it.
   */
  getPolledRevision(pipelineName: string, actionName: string): Promise<string | undefined>;
  /**
   * Notes `marker` as the revision a poll found, if the one noted is still `previous` (undefined:
   * none). Returns false, changing nothing, when another poll noted a revision first: of two polls
   * that see one change, only one starts the pipeline.
   */
  recordPolledRevision(pipelineName: string, actionName: string, marker: string, previous: string | undefined): Promise<boolean>;

  getPipelineTags(name: string): Promise<PipelineTags>;
  /** Replaces the pipeline's tags if they are still at `revision`; returns false, changing nothing, when another change came first. */
  putPipelineTags(name: string, tags: Tag[], revision: number): Promise<boolean>;

  /**
   * Binds a StartPipelineExecution's clientRequestToken to the execution it starts, unless the
   * token is bound already: returns the execution id the token is bound to, `executionId` or an
   * earlier one.
   */
  claimRequestToken(pipelineName: string, token: string, executionId: string): Promise<string>;
  /** Frees a token whose execution did not start, so that the request can be made again. */
  releaseRequestToken(pipelineName: string, token: string, executionId: string): Promise<void>;

  /**
   * Records a webhook delivery id, to expire at `ttlEpochSeconds`. Returns false, changing
   * nothing, when it is recorded already and has not expired at `nowEpochSeconds`: the delivery
   * is a duplicate.
   */
  recordDelivery(deliveryId: string, ttlEpochSeconds: number, nowEpochSeconds: number): Promise<boolean>;
  /** The delivery ids expired at `nowEpochSeconds` that are still stored (the embedded DynamoDB has no TTL). */
  listExpiredDeliveries(nowEpochSeconds: number): Promise<string[]>;
  /** Deletes a delivery id if it has expired at `nowEpochSeconds`; a delivery recorded again since is kept. */
  deleteExpiredDelivery(deliveryId: string, nowEpochSeconds: number): Promise<void>;
}
