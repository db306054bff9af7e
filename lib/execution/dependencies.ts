import type { AnyActionProvider } from '../actions/action-provider';
import type { ActionLogRef } from '../artifacts/action-log';
import type { ArtifactStore } from '../artifacts/artifact-store';
import type { AwsClients } from '../ports/aws-clients';
import type { BlobStore } from '../ports/blob-store';
import type { BuildSecrets } from '../ports/build-secrets';
import type { BuildProcessTracker } from '../ports/build-processes';
import type { CodeBuildBuilds } from '../ports/codebuild-builds';
import type { CodeCommitAccess } from '../ports/codecommit-access';
import type { VersionRun } from '../ports/engine';
import type { EventBus } from '../ports/event-bus';
import type { ExecutionStore } from '../ports/execution-store';
import type { RepositoryHosts } from '../ports/repository-host';
import type { AlarmStates, FunctionInvoker } from '../ports/rule-services';
import type { StageLocks } from '../ports/stage-locks';
import type { TaskCallbacks } from '../ports/task-callbacks';

/** Everything the execution steps need, built by compose/ for AWS or for the local stack. */
export interface ExecutionDependencies {
  store: ExecutionStore;
  /** Stage locks, the lines in front of them, and the transitions between stages. */
  locks: StageLocks;
  /** What resumes a Task waiting on its token: a stage's enter Task, admitted. */
  callbacks: TaskCallbacks;
  events: EventBus;
  blobs: BlobStore;
  artifacts: ArtifactStore;
  /** Providers by `Category/Owner/Provider`. */
  providers: ReadonlyMap<string, AnyActionProvider>;
  artifactBucket: string;
  /** The installation's region: the home region of the pipelines that declare artifactStores. */
  region?: string;
  /**
   * The blob store that reaches the buckets of `region`, for cross-region actions: S3 in that
   * region on AWS. Absent where one S3 holds every region's buckets (the embedded one locally).
   */
  blobsIn?: (region: string) => BlobStore;
  /** Where action workspaces are made. */
  workspaceRoot: string;
  /**
   * What the shell of a Commands action starts from, before the action's own variables; where it
   * is not given, this process's environment (a local run, as the user who started it).
   */
  commandEnvironment?: () => Record<string, string>;
  /** Records what local builds start, where they run on this machine. */
  buildProcesses?: BuildProcessTracker;
  /** Where local builds read their PARAMETER_STORE and SECRETS_MANAGER variables. */
  buildSecrets?: BuildSecrets;
  clock: () => Date;
  newId: () => string;
  pipelineArn: (pipelineName: string) => string;
  /** The repository hosts that CodeStarSourceConnection sources read and commit statuses go to. */
  repositoryHosts?: RepositoryHosts;
  /** CodeCommit's git endpoint and credentials for it, where a region is configured. */
  codeCommit?: CodeCommitAccess;
  /** SDK clients for the providers that call AWS services (CloudFormation, ECS...): on AWS, or locally through the credential chain. */
  awsClients?: AwsClients;
  /** The CodeBuild project that runs Commands actions: the stack's on AWS, `sluice-commands` locally. */
  commandsProjectName?: string;
  /** CodeBuild's builds, which the CodeBuild actions read when their build ends. */
  builds?: CodeBuildBuilds;
  /** CloudWatch's alarms and Lambda's functions, for the rules of stage conditions: on AWS, or where an endpoint is configured. */
  alarms?: AlarmStates;
  lambdaFunctions?: FunctionInvoker;
  /**
   * What starts an execution in the background from a step: a stage's automatic rollback. Absent
   * where nothing runs executions in the background (a foreground sluice run): there a stage's
   * failure stands.
   */
  startRun?: VersionRun;
  /** Action log text as it is written, for live display. */
  onLog?: (ref: ActionLogRef, text: string) => void;
}
