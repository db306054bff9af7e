import { providerCatalog } from '../actions/registry';
import { compilePipeline, type FunctionArns } from '../core/compile';
import type { PipelineDeclaration } from '../core/declaration';
import { ConflictError } from '../core/errors';
import type { ApprovalDependencies } from '../execution/approvals';
import { endExecution } from '../execution/end-execution';
import { startExecution } from '../execution/start-execution';
import type { PipelineEngine } from '../ports/engine';
import type { PipelineVersionRecord } from '../ports/execution-store';
import { DEFAULT_STOP_REASON, PipelineOperations, type StartInBackground } from './pipeline-operations';
import type { StopExecutionRequest, StoppableSluiceApi } from './sluice-api';


/**
 * Records an execution and starts it on the version of the state machine that its pipeline
 * version published, then answers at once while the engine runs it. The API and webhooks on AWS
 * start executions this way.
 */
export function startOnEngine(deps: ApprovalDependencies, engine: PipelineEngine): StartInBackground {
  return async (pipeline, variables, trigger, sourceRevisions) => {
    if (!pipeline.versionArn) {
      throw new ConflictError(`Version ${pipeline.version} of pipeline ${pipeline.name} has no state machine on AWS. update-pipeline --target aws deploys it.`);
    }
    const input = await startExecution(deps, {
      pipeline: pipeline.declaration,
      version: pipeline.version,
      trigger: trigger ?? { triggerType: 'StartPipelineExecution', triggerDetail: 'sluice start-pipeline-execution' },
      variables,
      ...(sourceRevisions ? { sourceRevisions } : {}),
    });
    let executionArn: string;
    try {
      ({ executionArn } = await engine.startExecution(pipeline.versionArn, input.pipeline.executionId, input));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await endExecution(deps, input.pipeline, 'Failed', `Step Functions did not start the execution: ${reason}`);
      throw error;
    }
    await deps.store.recordEngineExecution(input.pipeline.executionId, executionArn);
    return input.pipeline.executionId;
  };
}

/**
 * The SluiceApi on AWS: registering a pipeline version also publishes a version of its state
 * machine, and executions run there. Everything else reads the table as the local API does. The
 * pipelines that the stack deploys (StackPipelines) run like the others, but only a deploy changes them.
 */
export class AwsPipelineOperations extends PipelineOperations implements StoppableSluiceApi {
  constructor(
    deps: ApprovalDependencies,
    private readonly engine: PipelineEngine,
    /** The task functions of the deployed stack, which the state machines invoke. */
    private readonly functions: FunctionArns,
  ) {
    super(deps, startOnEngine(deps, engine), 'aws');
  }

  /** The state machine is published first: a recorded version always has one to run on. */
  protected override async putVersion(pipeline: PipelineDeclaration, version: number): Promise<PipelineVersionRecord> {
    const { definition } = compilePipeline({ ...pipeline, version }, providerCatalog, this.functions);
    return super.putVersion(pipeline, version, await this.engine.deployPipeline(pipeline.name, definition));
  }

  /** The pipeline's state machine, and every version published of it, go with the pipeline. */
  protected override async undeploy(name: string): Promise<void> {
    await this.engine.deletePipeline(name);
  }

  async stopPipelineExecution(request: StopExecutionRequest): Promise<{ pipelineExecutionId: string }> {
    const { pipelineName, pipelineExecutionId } = request;
    const execution = await this.executionToStop(request);
    const reason = request.reason ?? DEFAULT_STOP_REASON;
    // Without an ARN the engine never started it (its start failed after the record was made).
    if (execution.engineExecutionArn) await this.engine.stopExecution(execution.engineExecutionArn, reason);
    const pipeline = { name: pipelineName, version: execution.pipelineVersion, executionId: pipelineExecutionId, variables: execution.variables };
    // The reconciler may have ended it Stopped first, told by Step Functions of the abort.
    const stopped = (await endExecution(this.deps, pipeline, 'Stopped', reason)) || (await this.deps.store.getExecution(pipelineExecutionId))?.status === 'Stopped';
    if (!stopped) {
      throw new ConflictError(`Execution ${pipelineExecutionId} ended by itself before it could be stopped.`);
    }
    return { pipelineExecutionId };
  }
}
