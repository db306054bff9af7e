import { text } from 'node:stream/consumers';
import { providerCatalog } from '../actions/registry';
import { compilePipeline, type FunctionArns, type SourceRevision } from '../core/compile';
import type { PipelineDeclaration } from '../core/declaration';
import { BadInputError, ConflictError, NotFoundError } from '../core/errors';
import type { PipelineEvent } from '../core/events';
import { pipelineState, type PipelineState } from '../core/pipeline-state';
import type { Runtime } from '../core/providers';
import type { PruneOptions, PruneReport } from '../core/retention';
import { validatePipeline } from '../core/validate';
import { actionLogKey, openActionLog } from '../artifacts/action-log';
import { decideByToken, decisionMessage } from '../execution/approvals';
import type { JobDependencies } from '../execution/custom-action-jobs';
import { catalogWithCustomTypes, JobWorkerOperations } from './job-worker-api';
import { endExecution } from '../execution/end-execution';
import { launchInBackground } from '../execution/start-on-engine';
import { BlobNotFoundError } from '../ports/blob-store';
import type { DeployedPipeline, PipelineEngine } from '../ports/engine';
import type { EventFeed } from '../ports/event-bus';
import type { ExecutionTrigger, PipelineExecutionRecord, PipelineVersionRecord } from '../ports/execution-store';
import type {
  ActionLogText,
  ApprovalResultRequest,
  EventWait,
  ExecutionDetail,
  PipelineDescription,
  PrunableSluiceApi,
  StopExecutionRequest,
  StoppableSluiceApi,
} from './sluice-api';

/** StopPipelineExecution's summary when the request gives no reason. */
export const DEFAULT_STOP_REASON = 'Stopped by StopPipelineExecution';

/** How many executions GetPipelineState looks back through for stages the newest did not reach. */
const STATE_LOOKBACK = 10;

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
}

/**
 * The SluiceApi on the stores themselves, and on the engine where one runs the executions; with
 * the job-worker API of custom action types.
 */
export class PipelineOperations extends JobWorkerOperations implements StoppableSluiceApi, PrunableSluiceApi {
  constructor(
    protected override readonly deps: OperationsDependencies,
    private readonly capabilities: OperationsCapabilities = {},
  ) {
    super(deps);
  }

  /** Starts an execution of a registered version on the engine; the API, webhooks and source changes start them so. */
  readonly startInBackground: StartInBackground = async (pipeline, variables, trigger, sourceRevisions) => {
    const engine = this.backgroundEngine();
    return launchInBackground(this.deps, engine, {
      pipeline: pipeline.declaration,
      version: pipeline.version,
      versionArn: await this.versionArnOf(engine, pipeline),
      trigger: trigger ?? { triggerType: 'StartPipelineExecution', triggerDetail: 'sluice start-pipeline-execution' },
      variables,
      sourceRevisions,
    });
  };

  async startPipelineExecution(name: string, variables: Record<string, string> = {}): Promise<{ pipelineExecutionId: string }> {
    // Refused before the name is looked up: here, no pipeline could start.
    this.backgroundEngine();
    return { pipelineExecutionId: await this.startInBackground(await this.getPipeline(name), variables) };
  }

  /** StopPipelineExecution: the engine stops the run, and the execution ends Stopped; its in-progress actions are Abandoned. */
  async stopPipelineExecution(request: StopExecutionRequest): Promise<{ pipelineExecutionId: string }> {
    const engine = this.capabilities.engine;
    if (!engine) throw new ConflictError('No sluice serve runs executions on this data dir: an execution of sluice run stops with Ctrl-C in it.');
    const { pipelineName, pipelineExecutionId } = request;
    const execution = await this.executionToStop(request);
    const reason = request.reason ?? DEFAULT_STOP_REASON;
    // Without an ARN the engine never started it (its start failed after the record was made).
    if (execution.engineExecutionArn) await engine.stopExecution(execution.engineExecutionArn, reason);
    const pipeline = { name: pipelineName, version: execution.pipelineVersion, executionId: pipelineExecutionId, variables: execution.variables };
    // The engine's run, or on AWS the reconciler told of the abort, may have ended it Stopped first.
    const stopped =
      (await endExecution(this.deps, pipeline, 'Stopped', reason)) || (await this.deps.store.getExecution(pipelineExecutionId))?.status === 'Stopped';
    if (!stopped) {
      throw new ConflictError(`Execution ${pipelineExecutionId} ended by itself before it could be stopped.`);
    }
    return { pipelineExecutionId };
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
      approver: request.approver ?? 'the PutApprovalResult API',
      summary: request.result.summary,
    });
    switch (outcome.kind) {
      case 'decided':
        return { approvedAt: outcome.record.decision!.at };
      case 'unknown':
        throw new NotFoundError(
          `No approval of ${request.pipelineName}/${request.stageName}/${request.actionName} has that token. sluice status shows the token of a waiting approval.`,
        );
      case 'expired':
        throw new ConflictError(decisionMessage(outcome.record));
      case 'already':
        throw new ConflictError(decisionMessage(outcome.record));
      case 'ended':
        throw new ConflictError('The execution this approval belongs to has ended; there is nothing left to decide.');
    }
  }

  async createPipeline(declaration: PipelineDeclaration): Promise<PipelineVersionRecord> {
    const pipeline = await this.validated(declaration);
    if (await this.deps.store.getPipeline(pipeline.name)) {
      throw new BadInputError(`Pipeline ${pipeline.name} already exists. Use update-pipeline to change it.`);
    }
    return this.putVersion(pipeline, 1);
  }

  async updatePipeline(declaration: PipelineDeclaration): Promise<PipelineVersionRecord> {
    const pipeline = await this.validated(declaration);
    const current = await this.changeable(pipeline.name);
    return this.putVersion(pipeline, current.version + 1);
  }

  async getPipeline(name: string, version?: number): Promise<PipelineDescription> {
    const found = await this.deps.store.getPipeline(name, version);
    if (!found) throw new NotFoundError(`There is no pipeline ${name}${version ? ` version ${version}` : ''}. list-pipelines shows the pipelines there are.`);
    return { ...found, pipelineArn: this.deps.pipelineArn(found.name) };
  }

  listPipelines(): Promise<PipelineVersionRecord[]> {
    return this.deps.store.listPipelines();
  }

  async deletePipeline(name: string): Promise<void> {
    await this.changeable(name);
    await this.undeploy(name);
    await this.deps.store.deletePipeline(name);
  }

  async getPipelineState(name: string): Promise<PipelineState> {
    const { declaration, version } = await this.getPipeline(name);
    const executions = await this.deps.store.listExecutions(name, STATE_LOOKBACK);
    const parts = await Promise.all(executions.map((execution) => this.partsOf(execution)));
    return pipelineState(declaration, version, parts);
  }

  async listPipelineExecutions(name: string, limit?: number): Promise<PipelineExecutionRecord[]> {
    return this.deps.store.listExecutions(name, limit);
  }

  async getPipelineExecution(executionId: string): Promise<ExecutionDetail> {
    const execution = await this.deps.store.getExecution(executionId);
    if (!execution) throw new NotFoundError(`There is no execution ${executionId}. executions <pipeline> lists them.`);
    return this.partsOf(execution);
  }

  /** The execution that StopPipelineExecution names, once it is known to be that pipeline's and in progress. */
  private async executionToStop(request: StopExecutionRequest): Promise<PipelineExecutionRecord> {
    const { pipelineName, pipelineExecutionId } = request;
    const { execution } = await this.getPipelineExecution(pipelineExecutionId);
    if (execution.pipelineName !== pipelineName) {
      throw new NotFoundError(`Pipeline ${pipelineName} has no execution ${pipelineExecutionId}; it is an execution of ${execution.pipelineName}.`);
    }
    if (execution.status !== 'InProgress') {
      throw new ConflictError(`Execution ${pipelineExecutionId} is ${execution.status}; only an InProgress execution can be stopped.`);
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
      const location = action.logLocation ?? {
        bucketName: this.deps.artifactBucket,
        objectKey: actionLogKey({ pipelineName: execution.pipelineName, executionId, stageName: action.stageName, actionName: action.actionName }),
      };
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
    return (await engine.deployPipeline(pipeline.name, compilePipeline(pipeline.declaration, providerCatalog, functions))).versionArn;
  }

  /** Validates a declaration given to the API, whatever checked it before. */
  protected async validated(declaration: PipelineDeclaration): Promise<PipelineDeclaration> {
    const catalog = await catalogWithCustomTypes(this.deps, declaration, providerCatalog);
    const validation = validatePipeline(declaration, catalog, { runtime: this.capabilities.runtime });
    if (!validation.ok) {
      const problems = validation.problems.map((problem) => `${problem.path || '(declaration)'}: ${problem.message}`).join('\n  ');
      throw new BadInputError(`The declaration is not valid:\n  ${problems}`);
    }
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
    const { engine, functions } = this.capabilities;
    deployed ??= engine && functions && (await engine.deployPipeline(pipeline.name, compilePipeline({ ...pipeline, version }, providerCatalog, functions)));
    const record = { name: pipeline.name, version, declaration: { ...pipeline, version }, created: this.deps.clock().toISOString(), ...deployed };
    await this.deps.store.putPipelineVersion(record);
    return record;
  }

  private async partsOf(execution: PipelineExecutionRecord): Promise<ExecutionDetail> {
    const [stages, actions] = await Promise.all([
      this.deps.store.listStages(execution.pipelineExecutionId),
      this.deps.store.listActions(execution.pipelineExecutionId),
    ]);
    return { execution, stages, actions };
  }
}
