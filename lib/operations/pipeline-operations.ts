import { text } from 'node:stream/consumers';
import { ruleCatalog } from '../actions/rule-registry';
import type { EndpointService } from '../core/endpoints';
import { providerCatalog } from '../actions/registry';
import { compileCatalog } from '../execution/compile-catalog';
import { artifactStoreOf, compilePipeline, type FunctionArns, type SourceRevision } from '../core/compile';
import type { ActionOwner, ActionTypeId, PipelineDeclaration } from '../core/declaration';
import {
  ApprovalAlreadyCompletedError,
  BadInputError,
  ConcurrentModificationError,
  ConflictError,
  DuplicatedStopRequestError,
  InvalidApprovalTokenError,
  InvalidDeclarationError,
  NotFoundError,
  PipelineExecutionNotFoundError,
  PipelineExecutionNotStoppableError,
  PipelineNameInUseError,
  PipelineNotFoundError,
  PipelineVersionNotFoundError,
  ResourceNotFoundError,
  StageNotFoundError,
  StageNotRetryableError,
  ValidationError,
} from '../core/errors';
import { engineRunName } from '../core/engine-run-end';
import { endExecution } from '../execution/end-execution';
import { beginStageRetry, planStageRetry, refuseIfNotLatest, RETRY_MODES, type RetryMode } from '../execution/retry-stage';
import { rollBackStage } from '../execution/rollback-stage';
import type { PipelineEvent } from '../core/events';
import { pageOf, type Page, type PageRequest } from '../core/pages';
import { pipelineState, type PipelineState } from '../core/pipeline-state';
import type { Runtime } from '../core/providers';
import type { PruneOptions, PruneReport } from '../core/retention';
import { validatePipelineAsking } from '../core/validate';
import { actionLogLocation, openActionLog } from '../artifacts/action-log';
import { approvalSubject, decideByToken, decisionMessage } from '../execution/approvals';
import { recordControl, startParameters } from '../execution/audit';
import type { AuditRecord, AuditSubject, Caller } from '../core/audit';
import type { JobDependencies } from '../execution/custom-action-jobs';
import { catalogWithCustomTypes, JobWorkerOperations } from './job-worker-api';
import { cancelOutdatedWaiters } from '../execution/stage-entry';
import { markStopping, stopAtOnce, stopOnceActionsFinish } from '../execution/stop-execution';
import { launchInBackground } from '../execution/start-on-engine';
import { admitWaiting, pipelineRefOf } from '../execution/stage-entry';
import { BlobNotFoundError } from '../ports/blob-store';
import { listActionExecutions, type ActionExecutionsPage, type ActionExecutionsRequest } from './action-executions';
import type { DeployedPipeline, PipelineEngine, VersionRun } from '../ports/engine';
import type { EventFeed } from '../ports/event-bus';
import type { TransitionType } from '../ports/stage-locks';
import type { ExecutionTrigger, PipelineExecutionRecord, PipelineVersionRecord, Tag } from '../ports/execution-store';
import {
  listRuleExecutions,
  listRuleTypes,
  overrideStageCondition,
  type ConditionOperationsContext,
  type OverrideConditionRequest,
  type RuleExecutionDetail,
  type RuleExecutionsRequest,
  type RuleTypeDescription,
} from './condition-operations';
import { customActionTypeDescription, getActionType, listActionTypes, type ActionTypeDescription, type CustomActionTypes } from './action-types';
import { listGitHubWebhooks, refusePutWebhook, type GitHubWebhookDescription, type GitHubWebhookSettings } from './github-webhooks';
import { checkTagKeys, pipelineNamed, taggedWith } from './pipeline-tags';
import { pinnedRevisions } from './source-revision-overrides';
import type {
  ActionLogText,
  ApprovalResultRequest,
  AuditListing,
  CreatedPipeline,
  DisableTransitionRequest,
  EventWait,
  ExecutionDetail,
  ExecutionListing,
  FirstExecution,
  PipelineDescription,
  RetryStageRequest,
  RollbackStageRequest,
  SluiceApi,
  StageTransitionRequest,
  StartOptions,
  StopExecutionRequest,
} from './sluice-api';

/** StopPipelineExecution's summary when the request gives no reason. */
export const DEFAULT_STOP_REASON = 'Stopped by StopPipelineExecution';

/** CodePipeline's clientRequestToken: 1 to 128 letters, digits and hyphens. */
const CLIENT_REQUEST_TOKEN = /^[a-zA-Z0-9-]{1,128}$/;

/** CodePipeline's DisabledReason: 1 to 300 letters, digits, spaces and ! @ ( ) . * ? -. */
const DISABLED_REASON = /^[a-zA-Z0-9!@ ().*?-]{1,300}$/;

/** How many executions GetPipelineState looks back through for stages the newest did not reach. */
const STATE_LOOKBACK = 10;

/** How many of a pipeline's newest executions ListPipelineExecutions pages through. */
const EXECUTION_HISTORY = 1000;

/** CodePipeline's page sizes (its model's MaxPipelines and MaxResults). */
const PIPELINE_PAGES = { max: 1000, default: 1000 };
const EXECUTION_PAGES = { max: 100, default: 100 };

/**
 * Starts an execution that runs on after the call answers, on the engine of this process (sluice
 * serve locally, Step Functions on AWS). A webhook gives the trigger and the source revisions it pins.
 */
export type StartInBackground = (
  pipeline: PipelineVersionRecord,
  variables: Record<string, string>,
  trigger?: ExecutionTrigger,
  sourceRevisions?: SourceRevision[],
) => Promise<string>;

/** What the operations read and write, and where they hear of new events (locally, the bus). */
export type OperationsDependencies = JobDependencies & { eventFeed?: EventFeed };

/** What the operations can do besides reading and writing the stores, where they serve. */
export interface OperationsCapabilities {
  /** Where the pipelines run, when that is known when they are registered: their providers must run there. */
  runtime?: Runtime;
  /** The AWS services that rules and builds may call, where they run locally: those an endpoint variable points at. */
  endpoints?: readonly EndpointService[];
  /** Whether AWS credentials are found here, for local pipelines whose actions call AWS; asked only of those. */
  awsCredentials?: () => Promise<boolean>;
  /** Locally, the Lambda functions that run from handler files here: their actions call no AWS. */
  handlerFunctions?: () => Promise<readonly string[]>;
  /**
   * Creates a pipeline's declared artifact bucket where it is missing, as a version is recorded:
   * locally, in the embedded S3. On AWS the bucket is the user's, and the stack is granted it.
   */
  makeArtifactBucket?: (bucketName: string) => Promise<void>;
  /**
   * Where executions run, when this process can start and stop them: each registered version is
   * deployed there, and executions start on it in the background.
   */
  engine?: PipelineEngine;
  /**
   * The task functions the compiled state machines invoke: the deployed stack's on AWS, placeholders
   * locally. With the engine, registering a version deploys it there.
   */
  functions?: FunctionArns;
  /** Deletes what the retention policy lets go: a local installation's data. */
  prune?: (options: PruneOptions) => Promise<PruneReport>;
  /** Sluice's GitHub webhook, where this process serves it: what ListWebhooks shows and PutWebhook's refusal names. */
  gitHubWebhook?: () => GitHubWebhookSettings;
  /** Who the control operations are recorded as done by, where no request names them: the user of a command on this machine. */
  caller?: Caller;
}

/** Whom operations are recorded as done by when nothing said who asked. */
const UNIDENTIFIED: Caller = { who: 'unidentified', from: 'unknown' };

/** How many audit records one page holds at most, and when the caller does not say. */
const AUDIT_PAGES = { max: 1000, default: 100 };

/**
 * The SluiceApi on the stores themselves, and on the engine where one runs the executions; with
 * the job-worker API of custom action types.
 */
export class PipelineOperations extends JobWorkerOperations implements SluiceApi {
  constructor(
    protected override readonly deps: OperationsDependencies,
    private readonly capabilities: OperationsCapabilities = {},
  ) {
    super(deps);
  }

  /** The same operations, recorded as done by `caller`: the HTTP API binds each request's. */
  onBehalfOf(caller: Caller): PipelineOperations {
    return new PipelineOperations(this.deps, { ...this.capabilities, caller });
  }

  /** Who asked for the operations: who they are recorded as done by. */
  private get caller(): Caller {
    return this.capabilities.caller ?? UNIDENTIFIED;
  }

  /** How a start by this API's caller is shown, as CodePipeline names the principal that called StartPipelineExecution. */
  private get startedByCaller(): ExecutionTrigger | undefined {
    const who = this.capabilities.caller?.who;
    return who === undefined ? undefined : { triggerType: 'StartPipelineExecution', triggerDetail: who };
  }

  /** Records a control operation that has succeeded, as done by this API's caller. */
  protected recorded(subject: AuditSubject): Promise<AuditRecord> {
    return recordControl(this.deps, this.caller, subject);
  }

  async listAuditRecords(listing: AuditListing = {}): Promise<Page<AuditRecord>> {
    const { maxResults = AUDIT_PAGES.default, nextToken, pipelineName } = listing;
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > AUDIT_PAGES.max) {
      throw new BadInputError(`maxResults must be a whole number from 1 to ${AUDIT_PAGES.max}, not ${maxResults}.`);
    }
    const { items, nextToken: next } = await this.deps.audit.list({
      limit: maxResults,
      ...(pipelineName ? { pipelineName } : {}),
      ...(nextToken ? { nextToken } : {}),
    });
    // A deleted pipeline's records are listed still; a name that never had any is most likely mistyped.
    if (pipelineName && items.length === 0 && !nextToken && !(await this.deps.store.getPipeline(pipelineName))) {
      throw new PipelineNotFoundError(`There is no pipeline ${pipelineName}, and no audit record names one. list-pipelines shows the pipelines there are.`);
    }
    return { items, ...(next ? { nextToken: next } : {}) };
  }

  /** Starts an execution of a registered version on the engine; the API, webhooks and source changes start them so. */
  readonly startInBackground: StartInBackground = (pipeline, variables, trigger, sourceRevisions) => this.launch(pipeline, variables, trigger, sourceRevisions);

  private async launch(
    pipeline: PipelineVersionRecord,
    variables: Record<string, string>,
    trigger?: ExecutionTrigger,
    sourceRevisions?: PipelineExecutionRecord['sourceRevisions'],
    executionId?: string,
  ): Promise<string> {
    const engine = this.backgroundEngine();
    return launchInBackground(this.deps, engine, {
      pipeline: pipeline.declaration,
      version: pipeline.version,
      versionArn: await this.versionArnOf(engine, pipeline),
      trigger: trigger ?? { triggerType: 'StartPipelineExecution', triggerDetail: 'sluice start-pipeline-execution' },
      variables,
      sourceRevisions,
      ...(executionId ? { executionId } : {}),
    });
  }

  async startPipelineExecution(name: string, variables: Record<string, string> = {}, options: StartOptions = {}): Promise<{ pipelineExecutionId: string }> {
    // Refused before the name is looked up: here, no pipeline could start.
    this.backgroundEngine();
    const { clientRequestToken: token } = options;
    if (token !== undefined && !CLIENT_REQUEST_TOKEN.test(token)) {
      throw new ValidationError('clientRequestToken must have 1 to 128 letters, digits and hyphens.');
    }
    const pipeline = await this.getPipeline(name);
    const sourceRevisions = options.sourceRevisions && pinnedRevisions(pipeline.declaration, options.sourceRevisions, providerCatalog);
    const started = async (pipelineExecutionId: string) => {
      await this.recorded({
        operation: 'StartPipelineExecution',
        pipelineName: name,
        pipelineExecutionId,
        parameters: startParameters(variables, options.sourceRevisions),
      });
      return { pipelineExecutionId };
    };
    if (token === undefined) return started(await this.launch(pipeline, variables, this.startedByCaller, sourceRevisions));
    // The token is bound before the execution starts: of two requests with one token, one starts it and both answer its id.
    const executionId = this.deps.newId();
    const bound = await this.deps.store.claimRequestToken(name, token, executionId);
    if (bound !== executionId) return { pipelineExecutionId: bound };
    try {
      await this.launch(pipeline, variables, this.startedByCaller, sourceRevisions, executionId);
    } catch (error) {
      await this.deps.store.releaseRequestToken(name, token, executionId);
      throw error;
    }
    return started(executionId);
  }

  /**
   * StopPipelineExecution. With `abandon`, the engine stops the run at once: the in-progress actions
   * are Abandoned and the execution ends Stopped; a Stopping execution is stopped so too. Without,
   * as CodePipeline's "stop and wait": the execution is Stopping while its in-progress actions
   * finish, and no step that would start something runs (holdIfStopping); then the run is stopped
   * and it ends Stopped. Where this process hears the actions end (locally, the bus), it stops the
   * run; elsewhere (on AWS) the first held step that finds none in progress does.
   */
  async stopPipelineExecution(request: StopExecutionRequest): Promise<{ pipelineExecutionId: string }> {
    const engine = this.capabilities.engine;
    if (!engine) throw new ConflictError('No sluice serve runs executions on this data dir: an execution of sluice run stops with Ctrl-C in it.');
    const execution = await this.executionToStop(request);
    const reason = request.reason ?? DEFAULT_STOP_REASON;
    if (request.abandon) {
      const stopped = await this.stopNow(engine, execution, reason);
      await this.recordStop(request);
      return stopped;
    }
    if (!(await markStopping(this.deps, execution, reason))) {
      await this.executionToStop(request);
      throw new PipelineExecutionNotStoppableError(`Execution ${execution.pipelineExecutionId} ended before it could be stopped.`);
    }
    const feed = this.deps.eventFeed;
    if (feed) void stopOnceActionsFinish(this.deps, engine, feed, execution, reason);
    // With no action in progress (waiting in a stage's line, say), no step would come to stop it.
    else if (!(await this.deps.store.listActions(execution.pipelineExecutionId)).some((action) => action.status === 'InProgress')) {
      await stopAtOnce(this.deps, engine, execution, reason);
    }
    await this.recordStop(request);
    return { pipelineExecutionId: execution.pipelineExecutionId };
  }

  private recordStop({ pipelineName, pipelineExecutionId, abandon, reason }: StopExecutionRequest): Promise<AuditRecord> {
    return this.recorded({
      operation: 'StopPipelineExecution',
      pipelineName,
      pipelineExecutionId,
      parameters: { abandon: Boolean(abandon) },
      ...(reason ? { reason } : {}),
    });
  }

  /** Stops the engine's run at once, and ends the execution Stopped; its in-progress actions are Abandoned. */
  private async stopNow(engine: PipelineEngine, execution: PipelineExecutionRecord, reason: string): Promise<{ pipelineExecutionId: string }> {
    const { pipelineExecutionId } = execution;
    if (!(await stopAtOnce(this.deps, engine, execution, reason))) {
      throw new PipelineExecutionNotStoppableError(`Execution ${pipelineExecutionId} ended by itself before it could be stopped.`);
    }
    return { pipelineExecutionId };
  }

  /**
   * RetryStageExecution: the failed stage of a Failed execution runs again in that execution, on
   * its own published version (entered at the stage), with the earlier stages' results from the
   * records; FAILED_ACTIONS keeps the results of the stage's actions that succeeded. Refused, as
   * CodePipeline refuses it, for an execution or a stage that did not fail, a pipeline updated
   * since, and a stage that a later execution has entered.
   */
  async retryStageExecution(request: RetryStageRequest): Promise<{ pipelineExecutionId: string }> {
    const { pipelineName, stageName, pipelineExecutionId, retryMode } = request;
    if (!RETRY_MODES.includes(retryMode as RetryMode))
      throw new ValidationError(`retryMode must be ${RETRY_MODES.join(' or ')}, not ${JSON.stringify(retryMode)}.`);
    const engine = this.backgroundEngine();
    const current = await this.getPipeline(pipelineName);
    const execution = await this.deps.store.getExecution(pipelineExecutionId);
    // RetryStageExecution's errors have no PipelineExecutionNotFoundException: no failed execution to retry is what it answers.
    if (!execution || execution.pipelineName !== pipelineName) {
      throw new StageNotRetryableError(`Pipeline ${pipelineName} has no execution ${pipelineExecutionId}; list-pipeline-executions shows its executions.`);
    }
    const version = await this.deps.store.getPipeline(pipelineName, execution.pipelineVersion);
    if (!version?.declaration.stages.some((stage) => stage.name === stageName)) {
      throw new StageNotFoundError(
        `Version ${execution.pipelineVersion} of pipeline ${pipelineName}, which execution ${pipelineExecutionId} ran, has no stage ${stageName}.`,
      );
    }
    if (execution.status !== 'Failed')
      throw new StageNotRetryableError(`Execution ${pipelineExecutionId} is ${execution.status}: only a Failed execution is retried.`);
    if (current.version !== version.version) {
      throw new StageNotRetryableError(
        `Pipeline ${pipelineName} was updated to version ${current.version} after execution ${pipelineExecutionId} (version ${version.version}) failed.`,
      );
    }
    await refuseIfNotLatest(this.deps, execution, stageName);
    const plan = await planStageRetry(this.deps, execution, version, stageName, retryMode as RetryMode, 'ManualStageRetry');
    const versionArn = await this.versionArnOf(engine, version);
    if (!(await beginStageRetry(this.deps, plan)))
      throw new ConflictError(`Execution ${pipelineExecutionId} was retried or changed meanwhile; get-pipeline-execution shows it now.`);
    try {
      const { executionArn } = await engine.startExecution(versionArn, engineRunName(pipelineExecutionId, plan.change.attempt), plan.input);
      await this.deps.store.recordEngineExecution(pipelineExecutionId, executionArn);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await endExecution(this.deps, pipelineRefOf(execution), 'Failed', `The engine did not start the retry of ${stageName}: ${reason}`);
      throw error;
    }
    await this.recorded({ operation: 'RetryStageExecution', pipelineName, stageName, pipelineExecutionId, parameters: { retryMode } });
    return { pipelineExecutionId };
  }

  /**
   * RollbackStage: a new execution of the current version, of type ROLLBACK (trigger
   * ManualRollback), runs the stage alone with the target execution's artifacts and variables.
   * CodePipeline requires the target; Sluice's own API and CLI default it to the last execution
   * that succeeded in the stage.
   */
  async rollbackStage(request: RollbackStageRequest): Promise<{ pipelineExecutionId: string }> {
    this.backgroundEngine();
    const { pipelineName, stageName, targetPipelineExecutionId } = request;
    const trigger = { triggerType: 'ManualRollback', triggerDetail: this.caller.who } as const;
    const started = await rollBackStage(this.deps, this.startRun, { pipelineName, stageName, targetPipelineExecutionId, trigger }, true);
    const { pipelineExecutionId } = started;
    await this.recorded({
      operation: 'RollbackStage',
      pipelineName,
      stageName,
      pipelineExecutionId,
      parameters: { targetPipelineExecutionId: started.targetPipelineExecutionId },
    });
    return { pipelineExecutionId };
  }

  /** Starts a run of a registered version on this process's engine: what a stage's automatic rollback starts its execution with. */
  readonly startRun: VersionRun = async (version, runName, input) => {
    const engine = this.backgroundEngine();
    return engine.startExecution(await this.versionArnOf(engine, version), runName, input);
  };

  /** DisableStageTransition: executions wait in front of the transition, whoever admits them, until it is enabled. */
  async disableStageTransition(request: DisableTransitionRequest): Promise<void> {
    const { reason } = request;
    if (typeof reason !== 'string' || !DISABLED_REASON.test(reason)) {
      throw new ValidationError("reason must be 1 to 300 letters, digits, spaces and ! @ ( ) . * ? - (CodePipeline's DisabledReason).");
    }
    const { pipelineName, stageName, type } = await this.transitionOf(request);
    const disabled = { disabledReason: reason, lastChangedBy: this.caller.who, lastChangedAt: this.deps.clock().toISOString() };
    await this.deps.locks.setTransition(pipelineName, stageName, type, disabled);
    await this.recorded({ operation: 'DisableStageTransition', pipelineName, stageName, parameters: { transitionType: type }, reason });
  }

  /**
   * EnableStageTransition: the stage the transition leads into (the stage itself for Inbound, the
   * next one for Outbound) admits who waits in front of it, as its line's mode has it. The Outbound
   * transition of the last stage leads nowhere: enabling it, as disabling it, changes no execution.
   */
  async enableStageTransition(request: StageTransitionRequest): Promise<void> {
    const { pipelineName, stageName, type, stages } = await this.transitionOf(request);
    await this.deps.locks.setTransition(pipelineName, stageName, type, undefined);
    await this.recorded({ operation: 'EnableStageTransition', pipelineName, stageName, parameters: { transitionType: type } });
    const into = stages.indexOf(stageName) + (type === 'Outbound' ? 1 : 0);
    if (into < stages.length) await admitWaiting(this.deps, { pipelineName, stage: stages[into]!, ...(into > 0 ? { previousStage: stages[into - 1]! } : {}) });
  }

  /** The transition a request names, once its type is known and its pipeline's current version has the stage; with that version's stages, in order. */
  private async transitionOf(request: StageTransitionRequest): Promise<{ pipelineName: string; stageName: string; type: TransitionType; stages: string[] }> {
    const { pipelineName, stageName, transitionType } = request;
    if (transitionType !== 'Inbound' && transitionType !== 'Outbound') {
      throw new ValidationError(`transitionType must be Inbound or Outbound, not ${JSON.stringify(transitionType)}.`);
    }
    const stages = (await this.getPipeline(pipelineName)).declaration.stages.map((stage) => stage.name);
    if (!stages.includes(stageName)) {
      throw new StageNotFoundError(`Pipeline ${pipelineName} has no stage ${stageName}; its stages are ${stages.join(', ')}.`);
    }
    return { pipelineName, stageName, type: transitionType, stages };
  }

  private backgroundEngine(): PipelineEngine {
    if (!this.capabilities.engine)
      throw new ConflictError('Nothing here can run an execution in the background; use sluice start-pipeline-execution, which runs it in the foreground.');
    return this.capabilities.engine;
  }

  pruneExecutions(options: PruneOptions): Promise<PruneReport> {
    if (!this.capabilities.prune) throw new ConflictError('Only a local installation prunes its data: run sluice prune on its data dir.');
    return this.capabilities.prune(options);
  }

  async putApprovalResult(request: ApprovalResultRequest): Promise<{ approvedAt: string }> {
    const outcome = await decideByToken(this.deps, request, {
      status: request.result.status,
      approver: request.approver ?? this.capabilities.caller?.who ?? 'the PutApprovalResult API',
      summary: request.result.summary,
    });
    switch (outcome.kind) {
      case 'decided':
        await this.recorded(approvalSubject(outcome.record));
        return { approvedAt: outcome.record.decision!.at };
      case 'unknown':
        throw new InvalidApprovalTokenError(
          `No approval of ${request.pipelineName}/${request.stageName}/${request.actionName} has that token. sluice status shows the token of a waiting approval.`,
        );
      case 'expired':
      case 'already':
        throw new ApprovalAlreadyCompletedError(decisionMessage(outcome.record));
      case 'ended':
        throw new ApprovalAlreadyCompletedError('The execution this approval belongs to has ended; there is nothing left to decide.');
    }
  }

  async createPipeline(declaration: PipelineDeclaration, tags: Tag[] = []): Promise<CreatedPipeline> {
    const pipeline = await this.validated(declaration);
    const tagged = taggedWith([], tags);
    if (await this.deps.store.getPipeline(pipeline.name)) {
      throw new PipelineNameInUseError(`Pipeline ${pipeline.name} already exists. Use update-pipeline to change it.`);
    }
    const record = await this.putVersion(pipeline, 1);
    if (tagged.length > 0) await this.deps.store.putPipelineTags(pipeline.name, tagged, 0);
    const firstExecution = await this.startFirstExecution(record);
    await this.recorded({
      operation: 'CreatePipeline',
      pipelineName: pipeline.name,
      ...('pipelineExecutionId' in firstExecution ? { pipelineExecutionId: firstExecution.pipelineExecutionId } : {}),
      parameters: { version: 1 },
    });
    return { ...record, tags: tagged, firstExecution };
  }

  /** CreatePipeline starts an execution, as CodePipeline does, where an engine runs executions in the background. */
  private async startFirstExecution(record: PipelineVersionRecord): Promise<FirstExecution> {
    if (!this.capabilities.engine) {
      return {
        notStarted: `nothing runs executions in the background on this data dir. Run sluice start-pipeline-execution ${record.name}, or start sluice serve, which starts one on create-pipeline as CodePipeline does.`,
      };
    }
    const trigger: ExecutionTrigger = { triggerType: 'CreatePipeline', triggerDetail: 'CreatePipeline' };
    try {
      return { pipelineExecutionId: await this.launch(record, {}, trigger) };
    } catch (error) {
      // A variable without a default value keeps the pipeline from starting by itself; it is registered all the same.
      if (!(error instanceof BadInputError)) throw error;
      return { notStarted: error.message };
    }
  }

  async tagResource(resourceArn: string, tags: Tag[]): Promise<void> {
    const name = await this.taggablePipeline(resourceArn);
    const current = await this.deps.store.getPipelineTags(name);
    await this.putTags(name, taggedWith(current.tags, tags), current.revision);
  }

  async untagResource(resourceArn: string, tagKeys: string[]): Promise<void> {
    checkTagKeys(tagKeys);
    const name = await this.taggablePipeline(resourceArn);
    const current = await this.deps.store.getPipelineTags(name);
    const removed = new Set(tagKeys);
    await this.putTags(
      name,
      current.tags.filter((tag) => !removed.has(tag.key)),
      current.revision,
    );
  }

  async listTagsForResource(resourceArn: string): Promise<Tag[]> {
    return (await this.deps.store.getPipelineTags(await this.taggablePipeline(resourceArn))).tags;
  }

  /** The registered pipeline a resource ARN names. */
  private async taggablePipeline(resourceArn: string): Promise<string> {
    const name = pipelineNamed(resourceArn, this.deps.pipelineArn);
    if (name === undefined || !(await this.deps.store.getPipeline(name))) {
      throw new ResourceNotFoundError(`There is no pipeline with the ARN ${resourceArn}. get-pipeline shows a pipeline's ARN in its metadata.`);
    }
    return name;
  }

  private async putTags(name: string, tags: Tag[], revision: number): Promise<void> {
    if (!(await this.deps.store.putPipelineTags(name, tags, revision))) {
      throw new ConcurrentModificationError(`The tags of pipeline ${name} changed while this request changed them; make it again.`);
    }
  }

  /** The registered custom types, not deleted ones: ListActionTypes and GetActionType answer for them beside the providers. */
  private readonly customActionTypes: CustomActionTypes = async () => (await this.listCustomActionTypes()).map(customActionTypeDescription);

  overrideStageCondition(request: OverrideConditionRequest): Promise<void> {
    return overrideStageCondition(this.conditionContext(), request);
  }

  async listRuleTypes(ruleOwnerFilter?: string): Promise<RuleTypeDescription[]> {
    return listRuleTypes(ruleOwnerFilter);
  }

  listRuleExecutions(request: RuleExecutionsRequest): Promise<Page<RuleExecutionDetail>> {
    return listRuleExecutions(this.conditionContext(), request);
  }

  private conditionContext(): ConditionOperationsContext {
    return { store: this.deps.store, getPipeline: (name) => this.getPipeline(name), recorded: (subject) => this.recorded(subject) };
  }

  listActionTypes(owner?: ActionOwner): Promise<ActionTypeDescription[]> {
    return listActionTypes(providerCatalog, this.customActionTypes, owner);
  }

  getActionType(id: ActionTypeId): Promise<ActionTypeDescription> {
    return getActionType(providerCatalog, this.customActionTypes, id);
  }

  async listWebhooks(): Promise<GitHubWebhookDescription[]> {
    return listGitHubWebhooks(await this.deps.store.listPipelines(), this.capabilities.gitHubWebhook?.());
  }

  /** PutWebhook: refused, saying where Sluice's one GitHub webhook is. */
  async putWebhook(): Promise<never> {
    refusePutWebhook(this.capabilities.gitHubWebhook?.());
  }

  async updatePipeline(declaration: PipelineDeclaration): Promise<PipelineVersionRecord> {
    const pipeline = await this.validated(declaration);
    const current = await this.changeable(pipeline.name);
    const record = await this.putVersion(pipeline, current.version + 1);
    await cancelOutdatedWaiters(
      this.deps,
      pipeline.name,
      current.declaration.stages.map((stage) => stage.name),
      record.version,
    );
    await this.recorded({ operation: 'UpdatePipeline', pipelineName: pipeline.name, parameters: { version: record.version } });
    return record;
  }

  async getPipeline(name: string, version?: number): Promise<PipelineDescription> {
    const found = await this.deps.store.getPipeline(name, version);
    if (!found) {
      if (version !== undefined && (await this.deps.store.getPipeline(name))) {
        throw new PipelineVersionNotFoundError(`Pipeline ${name} has no version ${version}. get-pipeline without a version shows its latest.`);
      }
      throw new PipelineNotFoundError(`There is no pipeline ${name}. list-pipelines shows the pipelines there are.`);
    }
    return this.described(found);
  }

  async listPipelines(page: PageRequest = {}): Promise<Page<PipelineDescription>> {
    const pipelines = (await this.deps.store.listPipelines()).sort((a, b) => a.name.localeCompare(b.name));
    const { items, nextToken } = pageOf(pipelines, page, (pipeline) => pipeline.name, PIPELINE_PAGES);
    return { items: await Promise.all(items.map((pipeline) => this.described(pipeline))), ...(nextToken ? { nextToken } : {}) };
  }

  /** A version with what GetPipeline's metadata shows besides: the pipeline's ARN, and when its first version was made. */
  private async described(pipeline: PipelineVersionRecord): Promise<PipelineDescription> {
    const first = pipeline.version === 1 ? pipeline : await this.deps.store.getPipeline(pipeline.name, 1);
    return { ...pipeline, pipelineArn: this.deps.pipelineArn(pipeline.name), pipelineCreated: (first ?? pipeline).created };
  }

  async deletePipeline(name: string): Promise<void> {
    const { version } = await this.changeable(name);
    await this.undeploy(name);
    await this.forgetStageLines(name, version);
    await this.deps.store.deletePipeline(name);
    await this.recorded({ operation: 'DeletePipeline', pipelineName: name });
  }

  async getPipelineState(name: string): Promise<PipelineState> {
    const { declaration, version } = await this.getPipeline(name);
    const executions = await this.deps.store.listExecutions(name, STATE_LOOKBACK);
    const parts = await Promise.all(executions.map((execution) => this.partsOf(execution)));
    const gates = await Promise.all(declaration.stages.map(async ({ name: stage }) => [stage, await this.deps.locks.read(name, stage)] as const));
    return pipelineState(declaration, version, parts, new Map(gates));
  }

  async listPipelineExecutions(name: string, listing: ExecutionListing = {}): Promise<Page<PipelineExecutionRecord>> {
    await this.getPipeline(name);
    const executions = await this.deps.store.listExecutions(name, EXECUTION_HISTORY);
    const { succeededInStage } = listing;
    const chosen = succeededInStage
      ? (
          await Promise.all(
            executions.map(async (execution) => {
              const stages = await this.deps.store.listStages(execution.pipelineExecutionId);
              return stages.some((stage) => stage.stageName === succeededInStage && stage.status === 'Succeeded') ? [execution] : [];
            }),
          )
        ).flat()
      : executions;
    return pageOf(chosen, listing, (execution) => execution.pipelineExecutionId, EXECUTION_PAGES);
  }

  listActionExecutions(request: ActionExecutionsRequest): Promise<ActionExecutionsPage> {
    return listActionExecutions(this.deps, request);
  }

  async getPipelineExecution(executionId: string): Promise<ExecutionDetail> {
    const execution = await this.deps.store.getExecution(executionId);
    if (!execution) throw new PipelineExecutionNotFoundError(`There is no execution ${executionId}. executions <pipeline> lists them.`);
    return this.partsOf(execution);
  }

  /** The execution that StopPipelineExecution names, once it is known to be that pipeline's and in progress. */
  private async executionToStop(request: StopExecutionRequest): Promise<PipelineExecutionRecord> {
    const { pipelineName, pipelineExecutionId } = request;
    const execution = await this.deps.store.getExecution(pipelineExecutionId);
    // CodePipeline answers a stop of an execution it cannot find as one it cannot stop.
    if (execution?.pipelineName !== pipelineName) {
      await this.getPipeline(pipelineName);
      const whose = execution ? `it is an execution of ${execution.pipelineName}` : 'no execution has that id';
      throw new PipelineExecutionNotStoppableError(`Pipeline ${pipelineName} has no execution ${pipelineExecutionId} to stop; ${whose}.`);
    }
    if (execution.status === 'Stopping' && !request.abandon) {
      throw new DuplicatedStopRequestError(
        `Execution ${pipelineExecutionId} is Stopping already, its in-progress actions finishing; stop it with abandon to abandon them now.`,
      );
    }
    if (execution.status !== 'InProgress' && execution.status !== 'Stopping') {
      throw new PipelineExecutionNotStoppableError(`Execution ${pipelineExecutionId} is ${execution.status}; only an InProgress execution can be stopped.`);
    }
    return execution;
  }

  async listExecutionEvents(executionId: string, wait?: EventWait): Promise<PipelineEvent[]> {
    await this.getPipelineExecution(executionId);
    if (!wait) return this.deps.store.listEvents(executionId);
    // Subscribed before the store is read, so that an event published in between is not missed.
    const next = this.nextEvent(executionId, wait.waitMs);
    try {
      const events = await this.deps.store.listEvents(executionId, wait.after);
      if (events.length > 0) return events;
      await next.arrived;
      return this.deps.store.listEvents(executionId, wait.after);
    } finally {
      next.cancel();
    }
  }

  /** Settles when the feed tells of the execution's next event, or after `waitMs`; at once without a feed. */
  private nextEvent(executionId: string, waitMs: number): { arrived: Promise<void>; cancel(): void } {
    const feed = this.deps.eventFeed;
    if (!feed) return { arrived: Promise.resolve(), cancel: () => undefined };
    let stop = () => {};
    const arrived = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      // A waiting follower must not keep a closing process alive.
      timer.unref();
      const unsubscribe = feed.subscribe((event) => {
        if (event.detail['execution-id'] === executionId) resolve();
      });
      stop = () => {
        clearTimeout(timer);
        unsubscribe();
      };
    });
    void arrived.then(() => stop());
    return { arrived, cancel: () => stop() };
  }

  async getLogs(executionId: string, actionName?: string): Promise<ActionLogText[]> {
    const { execution, actions } = await this.getPipelineExecution(executionId);
    const chosen = actionName
      ? actions.filter((action) => action.actionName === actionName || `${action.stageName}/${action.actionName}` === actionName)
      : actions;
    if (actionName && chosen.length === 0) {
      const names = actions.map((action) => `${action.stageName}/${action.actionName}`).join(', ');
      throw new NotFoundError(`Execution ${executionId} has no action ${actionName}. Its actions: ${names || 'none yet'}.`);
    }
    const logs: ActionLogText[] = [];
    for (const action of chosen.sort((a, b) => a.startTime.localeCompare(b.startTime))) {
      const location = actionLogLocation(
        { ...action, executionId },
        { pipelineName: execution.pipelineName, bucketName: artifactStoreOf(execution, this.deps.artifactBucket).bucketName },
      );
      try {
        logs.push({ stageName: action.stageName, actionName: action.actionName, text: await text(await openActionLog(this.deps.blobs, location)) });
      } catch (error) {
        if (!(error instanceof BlobNotFoundError)) throw error;
        logs.push({ stageName: action.stageName, actionName: action.actionName, text: '' });
      }
    }
    return logs;
  }

  /** The current version of a pipeline that the API may change: any but those the AWS stack deploys. */
  protected async changeable(name: string): Promise<PipelineDescription> {
    const current = await this.getPipeline(name);
    if (current.managedBy) {
      throw new ConflictError(`Pipeline ${name} is deployed by the stack from ${current.managedBy.file}: change the file and deploy.`);
    }
    return current;
  }

  /** Forgets the lines, locks and transitions of every stage any version of a pipeline being deleted had. */
  private async forgetStageLines(name: string, latest: number): Promise<void> {
    const stages = new Set<string>();
    for (let version = 1; version <= latest; version++) {
      for (const stage of (await this.deps.store.getPipeline(name, version))?.declaration.stages ?? []) stages.add(stage.name);
    }
    for (const stage of stages) await this.deps.locks.forget(name, stage);
  }

  /** Takes down what runs a pipeline being deleted, before its records go: its state machine and every version of it. */
  private async undeploy(name: string): Promise<void> {
    await this.capabilities.engine?.deletePipeline(name);
  }

  /**
   * The published version an execution of `pipeline` starts on. A version registered where no engine
   * ran (by sluice run, or a command on the data dir) is deployed when it first starts, where the
   * functions its Tasks invoke are known.
   */
  private async versionArnOf(engine: PipelineEngine, pipeline: PipelineVersionRecord): Promise<string> {
    if (pipeline.versionArn) return pipeline.versionArn;
    const { functions } = this.capabilities;
    if (!functions) {
      throw new ConflictError(`Version ${pipeline.version} of pipeline ${pipeline.name} has no state machine on AWS. update-pipeline --target aws deploys it.`);
    }
    return (await engine.deployPipeline(pipeline.name, compilePipeline(pipeline.declaration, compileCatalog(this.deps), functions))).versionArn;
  }

  /** Validates a declaration given to the API, whatever checked it before. */
  protected async validated(declaration: PipelineDeclaration): Promise<PipelineDeclaration> {
    const catalog = await catalogWithCustomTypes(this.deps, declaration, providerCatalog);
    const { runtime, endpoints, awsCredentials = async () => true, handlerFunctions } = this.capabilities;
    const options = {
      runtime,
      rules: ruleCatalog,
      homeRegion: this.deps.region,
      ...(endpoints ? { endpoints } : {}),
      ...(handlerFunctions ? { handlerFunctions: await handlerFunctions() } : {}),
    };
    const validation = await validatePipelineAsking(declaration, catalog, options, awsCredentials);
    if (!validation.ok) throw new InvalidDeclarationError(validation.problems);
    return validation.pipeline;
  }

  /**
   * Records a new version; `deployed` is where an engine already runs it, and who deployed it there.
   * Otherwise the engine, where there is one, publishes it first: a recorded version always has one to run on.
   */
  protected async putVersion(
    pipeline: PipelineDeclaration,
    version: number,
    deployed?: DeployedPipeline & Pick<PipelineVersionRecord, 'managedBy'>,
  ): Promise<PipelineVersionRecord> {
    const { engine, functions, makeArtifactBucket } = this.capabilities;
    for (const store of [pipeline.artifactStore, ...Object.values(pipeline.artifactStores ?? {})]) {
      if (store) await makeArtifactBucket?.(store.location);
    }
    deployed ??=
      engine && functions && (await engine.deployPipeline(pipeline.name, compilePipeline({ ...pipeline, version }, compileCatalog(this.deps), functions)));
    const record = { name: pipeline.name, version, declaration: { ...pipeline, version }, created: this.deps.clock().toISOString(), ...deployed };
    await this.deps.store.putPipelineVersion(record);
    return record;
  }

  private async partsOf(execution: PipelineExecutionRecord): Promise<ExecutionDetail> {
    const [stages, actions, conditions] = await Promise.all([
      this.deps.store.listStages(execution.pipelineExecutionId),
      this.deps.store.listActions(execution.pipelineExecutionId),
      this.deps.store.listConditions(execution.pipelineExecutionId),
    ]);
    return { execution, stages, actions, conditions };
  }
}
