import { ConflictError } from '../core/errors';
import { LocalOperations, type LocalOperationsDependencies } from './local-operations';
import { DEFAULT_STOP_REASON, type StartInBackground } from './pipeline-operations';
import type { StopExecutionRequest, StoppableSluiceApi } from './sluice-api';

/** Stops an execution that runs in this process; false when it runs elsewhere. Settles once it has ended. */
export type StopInBackground = (executionId: string, reason: string) => Promise<boolean>;

/**
 * The SluiceApi of `sluice serve`, which runs executions in the background and so can stop them
 * too, as StopPipelineExecution does.
 */
export class ServeOperations extends LocalOperations implements StoppableSluiceApi {
  constructor(
    deps: LocalOperationsDependencies,
    startInBackground: StartInBackground,
    private readonly stopInBackground: StopInBackground,
  ) {
    super(deps, startInBackground);
  }

  async stopPipelineExecution(request: StopExecutionRequest): Promise<{ pipelineExecutionId: string }> {
    const execution = await this.executionToStop(request);
    if (!(await this.stopInBackground(execution.pipelineExecutionId, request.reason ?? DEFAULT_STOP_REASON))) {
      throw new ConflictError(`Execution ${execution.pipelineExecutionId} is not running in this sluice serve: the process that runs it stops it (Ctrl-C in its sluice run).`);
    }
    return { pipelineExecutionId: execution.pipelineExecutionId };
  }
}
