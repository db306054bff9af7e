import type { SourceRevision } from '../core/compile';
import { BadInputError } from '../core/errors';
import type { ActionDeclaration } from '../core/declaration';
import type { ProviderSpec } from '../core/providers';
import type { ArtifactLocation } from '../core/task-payloads';
import type { ArtifactStore, ArtifactTarget, ZipWriter } from '../artifacts/artifact-store';
import type { AwsClientClass, AwsClients } from '../ports/aws-clients';
import type { BlobStore } from '../ports/blob-store';
import type { BuildProcessTracker } from '../ports/build-processes';
import type { CodeCommitAccess } from '../ports/codecommit-access';
import type { RepositoryHosts } from '../ports/repository-host';

/** What an action gets to do its work. */
export interface ActionContext {
  pipelineName: string;
  executionId: string;
  stageName: string;
  /** The declaration, with its variables resolved. */
  action: ActionDeclaration;
  inputArtifacts: { name: string; location: ArtifactLocation }[];
  /** Where output artifacts go, at `<pipeline>/<artifact>/<id>.zip`: the pipeline's artifact store. */
  artifactBucket: string;
  /** The artifact store's KMS key, which output artifacts are encrypted with. */
  artifactKmsKeyId?: string;
  artifacts: ArtifactStore;
  blobs: BlobStore;
  /** A fresh, empty directory for this action; removed when it ends. */
  workspace: string;
  /** What the action's commands start from, before its own variables; this process's environment where not given. */
  commandEnvironment?: () => Record<string, string>;
  /** Records the processes that the action starts, where it runs them on this machine. */
  processes?: BuildProcessTracker;
  log(text: string): void;
  signal: AbortSignal;
  /**
   * The revision a source action reads when the execution pins it, not the latest: the commit a
   * webhook delivered, or the S3 object version that a change event reported.
   */
  sourceRevision?: string;
  /** What `sourceRevision` is, as CodePipeline's SourceRevisionType says. */
  sourceRevisionType?: SourceRevision['revisionType'];
  /** The repository hosts that connections reach, and their tokens. */
  repositoryHosts?: RepositoryHosts;
  /** CodeCommit's git endpoint and credentials for it, where a region is configured. */
  codeCommit?: CodeCommitAccess;
  /** SDK clients for the AWS services that the provider declares in `awsServices`. */
  aws?: AwsClients;
  /** For a polling provider's later runs: the `state` its previous run answered in progress. */
  continuation?: string;
}

/**
 * A polling provider's answer while its work goes on (integration `polling`): the engine runs it
 * again after `afterSeconds`, with `state` as the context's `continuation`.
 */
export interface ActionInProgress {
  inProgress: { state: string; afterSeconds: number };
}

export interface ActionOutcome {
  /** In the order of the action's outputArtifacts. */
  outputArtifacts: ArtifactLocation[];
  outputVariables: Record<string, string>;
  summary?: string;
  externalExecutionId?: string;
  externalExecutionUrl?: string;
}

/** What a poll of a source action's source reads it with. */
export interface PollContext {
  /** The declaration of the polled source action. */
  action: ActionDeclaration;
  blobs: BlobStore;
  /** CodeCommit's git endpoint and credentials for it, where a region is configured. */
  codeCommit?: CodeCommitAccess;
}

/** The revision a polled source is at now. */
export interface LatestRevision {
  /** What an execution started by a change pins the action to. */
  revision: Omit<SourceRevision, 'actionName'>;
  /** Changes whenever the source does: a commit, an object's version id or ETag. */
  marker: string;
  /** The source and its revision, in words: for the log and the execution's trigger detail. */
  description: string;
}

/**
 * One action provider: what it accepts, where it runs, and (where Sluice runs it itself) how. A
 * provider whose spec names the `polling` integration may also answer that it is in progress.
 */
export interface ActionProvider<Answer extends ActionOutcome | ActionInProgress = ActionOutcome> {
  spec: ProviderSpec;
  run?(context: ActionContext): Promise<Answer>;
  /** For a source that is polled for changes (PollForSourceChanges): its revision now, or undefined while it has none. */
  latestRevision?(context: PollContext): Promise<LatestRevision | undefined>;
}

/** Any provider, polling ones included: what the registry and the action runner hold. */
export type AnyActionProvider = ActionProvider<ActionOutcome | ActionInProgress>;

/** Where the action's output artifact goes (the providers that Sluice runs have one at most), at CodePipeline's key layout. */
function outputArtifactTarget(context: ActionContext): ArtifactTarget {
  return {
    bucketName: context.artifactBucket,
    kmsKeyId: context.artifactKmsKeyId,
    pipelineName: context.pipelineName,
    artifactName: context.action.outputArtifacts![0]!.name,
  };
}

/** Stores `directory` as the action's output artifact. */
export function storeOutputArtifact(context: ActionContext, directory: string): Promise<ArtifactLocation> {
  return context.artifacts.storeArtifact({ ...outputArtifactTarget(context), directory });
}

/** Stores the zip that `writeZip` writes as the action's output artifact: see ArtifactStore.storeZipArtifact. */
export function storeOutputZip(context: ActionContext, writeZip: ZipWriter): Promise<ArtifactLocation> {
  return context.artifacts.storeZipArtifact(outputArtifactTarget(context), writeZip);
}

/**
 * An SDK client for the action's AWS calls: in the action's `region`, as its `roleArn` where it
 * names them (CodePipeline's cross-region actions and action roles).
 */
export function awsClientFor<C>(context: ActionContext, Client: AwsClientClass<C>): C {
  if (!context.aws) throw new BadInputError(`${context.action.actionTypeId.provider} calls AWS, and this runtime has no AWS clients for its actions.`);
  return context.aws.client(Client, { region: context.action.region, roleArn: context.action.roleArn });
}

const noArtifacts = { min: 0, max: 0 } as const;
const oneArtifact = { min: 1, max: 1 } as const;

export const artifactCounts = { none: noArtifacts, one: oneArtifact };
