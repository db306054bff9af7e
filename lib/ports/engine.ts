import type { CompiledPipeline, ExecutionInput } from '../core/compile';
import type { PipelineVersionRecord } from './execution-store';

/** A pipeline's state machine as deployed: the machine, and the version just published. */
export interface DeployedPipeline {
  stateMachineArn: string;
  /** The immutable version that executions of this pipeline version start on. */
  versionArn: string;
}

/** How an execution ended: by itself, failed outside every Catch, or stopped. */
export type ExecutionEnd = { status: 'Succeeded' } | { status: 'Failed'; error: string; cause: string } | { status: 'Stopped' };

/** What the engine knows of an execution: still running, or how it ended. */
export type EngineExecutionStatus = { status: 'Running' } | ExecutionEnd;

/** Where pipelines run as state machines: Step Functions on AWS, the local engine on this machine. */
export interface PipelineEngine {
  /**
   * Creates the pipeline's state machine, or updates it, and publishes the compiled definition as
   * a new version. The definition is what compilePipeline writes, with its function placeholders.
   */
  deployPipeline(name: string, compiled: CompiledPipeline): Promise<DeployedPipeline>;
  /** Deletes the pipeline's state machine and its versions; a missing one is not an error. */
  deletePipeline(name: string): Promise<void>;
  /**
   * Starts a run of an execution on one published version, which it keeps however the pipeline
   * changes after; `runName` (engineRunName) names the run after the execution and its attempt.
   */
  startExecution(versionArn: string, runName: string, input: ExecutionInput): Promise<{ executionArn: string }>;
  stopExecution(executionArn: string, cause: string): Promise<void>;
  describeExecution(executionArn: string): Promise<EngineExecutionStatus>;
}

/**
 * Starts a run of a registered pipeline version on the engine that runs it in the background, as
 * PipelineEngine.startExecution does on that version's published definition.
 */
export type VersionRun = (version: PipelineVersionRecord, runName: string, input: ExecutionInput) => Promise<{ executionArn: string }>;

/**
 * An engine that runs executions in the caller's process, where the caller can run one with
 * options of its own (the Task handlers see them) and wait for its end.
 */
export interface InProcessEngine<RunOptions> extends PipelineEngine {
  runExecution(
    versionArn: string,
    runName: string,
    input: ExecutionInput,
    options: RunOptions,
  ): Promise<{ executionArn: string; ended: Promise<ExecutionEnd> }>;
}
