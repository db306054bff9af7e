import type { ExecutionInput, TaskStep } from './compile';
import type { ActionDeclaration, StageDeclaration } from './declaration';

/**
 * What each Task of a compiled definition sends to its handler, and what the action steps
 * return: the contract between the compiler and the handlers.
 */
export type PipelineRef = ExecutionInput['pipeline'];

export interface StageStepPayload {
  step: Extract<TaskStep, 'enterStage' | 'exitStage' | 'failStage'>;
  pipeline: PipelineRef;
  stage: string;
  final?: boolean;
  error?: { Error?: string; Cause?: string };
  beforeEntry?: StageDeclaration['beforeEntry'];
  onSuccess?: StageDeclaration['onSuccess'];
  onFailure?: StageDeclaration['onFailure'];
}

export interface ArtifactLocation {
  bucketName: string;
  objectKey: string;
}

export interface ActionStepPayload {
  step: Extract<TaskStep, 'runAction' | 'requestApproval' | 'prepareBuild' | 'completeBuild'>;
  pipeline: PipelineRef;
  stage: string;
  action: ActionDeclaration;
  inputArtifacts: { name: string; location: ArtifactLocation }[];
  /** The variables of each namespace this action refers to. */
  namespaces: Record<string, Record<string, string>>;
  taskToken?: string;
  /** completeBuild: what prepareBuild asked for, and the Build that CodeBuild returned. */
  request?: CodeBuildRequest;
  build?: CodeBuildBuild;
}

/** The result an action leaves in the execution state for the actions after it. */
export interface ActionStepResult {
  /** In the order of the action's outputArtifacts. */
  artifacts: ArtifactLocation[];
  variables: Record<string, string>;
}

/** prepareBuild's answer: the StartBuild overrides, in the fields the definition maps. */
export interface CodeBuildRequest {
  projectName: string;
  sourceLocation: string;
  secondarySources: { SourceIdentifier: string; Type: 'S3'; Location: string }[];
  buildspec: string;
  environmentVariables: { Name: string; Value: string; Type: 'PLAINTEXT' | 'SECRETS_MANAGER' | 'PARAMETER_STORE' }[];
  artifacts: { Type: 'S3'; Location: string; Path: string; Name: string; Packaging: 'ZIP'; NamespaceType: 'NONE' } | { Type: 'NO_ARTIFACTS' };
  secondaryArtifacts: { ArtifactIdentifier: string; Type: 'S3'; Location: string; Path: string; Name: string; Packaging: 'ZIP'; NamespaceType: 'NONE' }[];
  /** Carried to completeBuild so that it updates the same action execution. */
  actionExecutionId: string;
  startTime: string;
}

/** The parts of CodeBuild's Build object (as Step Functions returns it) that Sluice reads. */
export interface CodeBuildBuild {
  Id: string;
  BuildStatus: string;
  ExportedEnvironmentVariables?: { Name: string; Value: string }[];
  Logs?: { DeepLink?: string };
}
