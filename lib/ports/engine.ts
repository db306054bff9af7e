import type { StateMachineDefinition } from '../core/asl';
import type { ExecutionInput } from '../core/compile';

/** A pipeline's state machine as deployed: the machine, and the version just published. */
export interface DeployedPipeline {
  stateMachineArn: string;
  /** The immutable version that executions of this pipeline version start on. */
  versionArn: string;
}

/** Where pipelines run as state machines: Step Functions on AWS. */
export interface PipelineEngine {
  /**
   * Creates the pipeline's state machine, or updates it, and publishes the definition as a new
   * version. `definition` is what compilePipeline writes, with its function placeholders.
   */
  deployPipeline(name: string, definition: StateMachineDefinition): Promise<DeployedPipeline>;
  /** Deletes the pipeline's state machine and its versions; a missing one is not an error. */
  deletePipeline(name: string): Promise<void>;
  /** Starts an execution on one published version, which it keeps however the pipeline changes after. */
  startExecution(versionArn: string, executionId: string, input: ExecutionInput): Promise<{ executionArn: string }>;
  stopExecution(executionArn: string, cause: string): Promise<void>;
}
