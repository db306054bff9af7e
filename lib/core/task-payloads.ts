import type { ExecutionInput, TaskStep } from './compile';
import type { ActionDeclaration, ExecutionMode, StageDeclaration } from './declaration';

/**
 * What each Task of a compiled definition sends to its handler, and what the action steps
 * return: the contract between the compiler and the handlers.
 */
export type PipelineRef = ExecutionInput['pipeline'];

/**
 * What makes a Task's payload one step of one execution, as a JMESPath over the payload: Step
 * Functions retries a Task whose Lambda call failed in transit, and the idempotent handlers give
 * the second call the first one's result. A retried Task that waits on a token has a new token,
 * which the call must hand over: with it, the call is another step. A retry of a stage runs its
 * steps again in another attempt of the execution, which the key holds too; so does each run of a
 * polling action, by the count of the runs before it.
 */
export const TASK_IDEMPOTENCY_KEY = '[pipeline.executionId, pipeline.retry.attempt, stage, action.name, step, taskToken, polling.answer.inProgress.runs]';

/** An error as a Catch hands it over; the cause of a Sluice error is its message. */
export interface CaughtError {
  Error?: string;
  Cause?: string;
}

/** How a branch of a runOrder group ended: its action's error, or null when the action succeeded. */
export type BranchFailure = { action: string; error: CaughtError } | null;

export interface StageStepPayload {
  step: Extract<TaskStep, 'enterStage' | 'exitStage' | 'failStage'>;
  pipeline: PipelineRef;
  stage: string;
  final?: boolean;
  /** enterStage: the pipeline version's execution mode, which decides who the stage's line admits. */
  mode?: ExecutionMode;
  /** The stage before this one, whose Outbound transition leads into it. */
  previousStage?: string;
  /** enterStage: the token its Task waits on until the execution is admitted. */
  taskToken?: string;
  /** failStage: the error a Catch caught, or the end of each branch of the runOrder group that failed. */
  error?: CaughtError | { failures: BranchFailure[] };
  beforeEntry?: StageDeclaration['beforeEntry'];
  onSuccess?: StageDeclaration['onSuccess'];
  onFailure?: StageDeclaration['onFailure'];
}

export interface ArtifactLocation {
  bucketName: string;
  objectKey: string;
}

export interface ActionStepPayload {
  step: Extract<TaskStep, 'runAction' | 'requestApproval' | 'queueJob' | 'prepareBuild' | 'completeBuild' | 'failBuild'>;
  pipeline: PipelineRef;
  stage: string;
  action: ActionDeclaration;
  inputArtifacts: { name: string; location: ArtifactLocation }[];
  /** The variables of each namespace this action refers to. */
  namespaces: Record<string, Record<string, string>>;
  taskToken?: string;
  /** completeBuild and failBuild: the action execution and the build that prepareBuild and StartBuild left. */
  codebuild?: CodeBuildState;
  /** runAction of a polling action: what its previous run answered; no answer before the first. */
  polling?: { answer?: ActionInProgress };
}

/** The result an action leaves in the execution state for the actions after it. */
export interface ActionStepResult {
  /** In the order of the action's outputArtifacts. */
  artifacts: ArtifactLocation[];
  variables: Record<string, string>;
}

/**
 * runAction's answer for an action that is not done (a stack still updating): the engine waits
 * `afterSeconds`, then runs it again with this as `polling`, on the same action execution.
 */
export interface ActionInProgress {
  inProgress: {
    /** What the provider's next run needs, in the provider's own words (JSON text). */
    state: string;
    afterSeconds: number;
    /** How many runs the action has had. */
    runs: number;
    actionExecutionId: string;
    startTime: string;
  };
}

/** An S3 zip that CodeBuild writes an output artifact to, at CodePipeline's layout. */
export interface BuildArtifactOverride {
  Type: 'S3';
  Location: string;
  Path: string;
  Name: string;
  Packaging: 'ZIP';
  /** BUILD_ID for a batch build: each of its builds writes under its own build id. */
  NamespaceType: 'NONE' | 'BUILD_ID';
}

/** The StartBuild overrides, in the fields the definition maps. */
export interface StartBuildOverrides {
  projectName: string;
  sourceLocation: string;
  secondarySources: { SourceIdentifier: string; Type: 'S3'; Location: string }[];
  /** A Commands action's buildspec, or a CodeBuild action's BuildSpec; without one the project's own buildspec runs, as in CodePipeline. */
  buildspec?: string;
  environmentVariables: { Name: string; Value: string; Type: 'PLAINTEXT' | 'SECRETS_MANAGER' | 'PARAMETER_STORE' }[];
  artifacts: BuildArtifactOverride | { Type: 'NO_ARTIFACTS' };
  secondaryArtifacts: (BuildArtifactOverride & { ArtifactIdentifier: string })[];
  /** The build log goes to S3 under the action's log prefix, where Sluice reads action logs. */
  logsConfig: { S3Logs: { Status: 'ENABLED'; Location: string } };
}

/** The action execution a build belongs to: what completeBuild and failBuild record its end on. */
export interface BuildActionExecution {
  actionExecutionId: string;
  startTime: string;
}

/** prepareBuild's answer, which the definition keeps at `$.codebuild`. */
export interface PreparedBuild {
  execution: BuildActionExecution;
  build: StartBuildOverrides;
}

/**
 * `$.codebuild` as completeBuild and failBuild get it. Once the build has started, `build` holds
 * only its id: the Build object itself stays out of the execution state.
 */
export interface CodeBuildState {
  execution: BuildActionExecution;
  build: StartBuildOverrides | { Id: string };
  /** Why StartBuild or the build failed, as the Task's Catch hands it over. */
  error?: { Error?: string; Cause?: string };
}
