import type { SourceRevision } from './compile';
import type { ActionCategory, ActionDeclaration, ActionOwner } from './declaration';
import type { CodeCommitBranchChange, EcrImagePushChange, S3ObjectChange, SourceChangeMatcher } from './source-change';
import type { EndpointService } from './endpoints';

/**
 * How a compiled pipeline runs a provider's actions: a Task that invokes the action runner (once,
 * or again after a wait for as long as the action reports that it is in progress), a Task
 * that waits for an approval's decision, CodeBuild's StartBuild between two runner steps, a
 * Task that waits for a job worker to finish a custom action's job, or one that waits for a
 * Lambda function to finish a Lambda invoke action's job. Each has its module in
 * lib/core/integrations.
 */
export type Integration = 'runner' | 'polling' | 'approval' | 'codebuild' | 'job' | 'lambda-job';

/**
 * What one action of a provider costs on AWS beyond what every action costs (its records and
 * events), as `sluice cost` prices it (lib/core/cost.ts). Durations are billed Lambda time of the
 * action runner; what the action itself starts (a stack, a deployment, a function) is not counted.
 */
export type ActionCostProfile =
  /** The action runner runs the action once, for `runnerMs`. */
  | { pricedAs: 'runner'; runnerMs: number }
  /**
   * The action runner starts the work (`runnerMs`), then looks at it `looks` more times, each run
   * of `lookMs` after a Wait state, until it ends: the number of looks that work of
   * `typicalMinutes` takes on the provider's schedule (lib/actions/polling.ts).
   */
  | { pricedAs: 'polling'; runnerMs: number; lookMs: number; looks: number; typicalMinutes: number }
  /** A CodeBuild build between two recording steps; CodeBuild's compute costs the same whichever service starts it. */
  | { pricedAs: 'build' }
  /** A Task that waits, with no Lambda running, for a decision or for a function or job worker to report. */
  | { pricedAs: 'wait' };

/** Where an action can run: in the deployed AWS stack, or on the embedded local stack. */
export type Runtime = 'aws' | 'local';
export const RUNTIMES: readonly Runtime[] = ['aws', 'local'];

/** One statement of an IAM policy: these actions on these resources. */
export interface IamStatement {
  actions: readonly string[];
  resources: readonly string[];
}

export interface ConfigurationKey {
  name: string;
  required: boolean;
  description: string;
}

export interface ArtifactCount {
  min: number;
  max: number;
}

/**
 * What Sluice knows about one action provider: enough to validate a declaration that uses it
 * without running anything.
 */
export interface ProviderSpec {
  category: ActionCategory;
  owner: ActionOwner;
  provider: string;
  version: string;
  description: string;
  configuration: readonly ConfigurationKey[];
  inputArtifacts: ArtifactCount;
  outputArtifacts: ArtifactCount;
  /**
   * The variables the action exports under its namespace. `declared` means the action's own
   * `outputVariables` field lists them (Commands); `open` means any name may appear at run time
   * (CodeBuild's exported variables, CloudFormation's stack outputs).
   */
  outputVariables: readonly string[] | 'declared' | 'open';
  runtimes: readonly Runtime[];
  /**
   * The AWS services the provider's actions call, by the SDK's service id (as in
   * AWS_ENDPOINT_URL_<ID>). On the local runtime such an action needs AWS credentials from the
   * standard chain, and reaches the services at the endpoints the SDK's variables name, if any.
   */
  awsServices?: readonly string[];
  /**
   * What the action runner's role must be allowed on AWS for these calls, as serverless.yml grants
   * it (resources in its `!Sub` form); the template test holds the stack to it.
   */
  iam?: readonly IamStatement[];
  /**
   * The runtimes on which this provider's actions call no AWS service: an action's `roleArn` and
   * `region` have nothing to apply to there, and validation for such a runtime refuses them.
   */
  runsWithoutAwsOn?: readonly Runtime[];
  /**
   * Configuration keys that a runtime offering the provider does not honour, each with what that
   * runtime does instead: validation for that runtime refuses them rather than ignore them.
   */
  keysNotHonoured?: Partial<Record<Runtime, Readonly<Record<string, string>>>>;
  /** How an EventBridge source change (a CodeCommit push, an S3 object, an ECR image push) finds this provider's source actions that it changed. */
  sourceChanges?: SourceChangeMatcher<CodeCommitBranchChange> | SourceChangeMatcher<S3ObjectChange> | SourceChangeMatcher<EcrImagePushChange>;
  /** The revisions a source action of this provider can be pinned to (StartPipelineExecution's sourceRevisions, a webhook's commit). */
  pinnableRevisions?: readonly SourceRevision['revisionType'][];
  /** Why StartPipelineExecution may not pin an action of this configuration to that kind of revision, if it may not. */
  refuseRevisionOverride?(configuration: Readonly<Record<string, string>>, revisionType: SourceRevision['revisionType']): string | undefined;
  /** How the compiled pipeline runs the action; in the action runner when not given. */
  integration?: Integration;
  /** How long an action that sets no timeoutInMinutes may take, as CodePipeline documents for the provider; else its integration's default. */
  defaultTimeoutMinutes?: number;
  /** What one of its actions costs on AWS, by how its integration runs it. */
  cost: ActionCostProfile;
  /**
   * Whether an action of this configuration calls the provider's `awsServices` where it is
   * checked; always, when not given. An action that calls none there needs no AWS credentials.
   */
  callsAws?(configuration: Readonly<Record<string, string>>, where: ConfigurationContext): boolean;
  /**
   * Checks what the keys alone cannot: values that must parse, keys that depend on each other.
   * Values that hold `#{...}` variables are checked only after they are resolved, at run time.
   */
  checkConfiguration?(configuration: Readonly<Record<string, string>>, where: ConfigurationContext): ConfigurationProblem[];
}

/** Where a configuration is checked for: the runtime, when known, and the AWS services reachable there. */
export interface ConfigurationContext {
  runtime?: Runtime;
  /** Locally, the services that an endpoint variable points at. */
  endpoints?: readonly EndpointService[];
  /** Locally, the Lambda functions that run from handler files on this machine rather than on AWS. */
  handlerFunctions?: readonly string[];
  /** The action whose configuration it is, for keys that bound its other fields; none for a rule. */
  action?: Pick<ActionDeclaration, 'namespace' | 'outputArtifacts'>;
}

export interface ConfigurationProblem {
  key: string;
  message: string;
}

/** The providers a runtime offers, keyed by `Category/Owner/Provider`. */
export type ProviderCatalog = ReadonlyMap<string, ProviderSpec>;

/** A provider of CodePipeline's that Sluice does not have yet, which validation names as such rather than as unknown. */
export interface ProviderNotYetBuilt {
  category: ActionCategory;
  owner: ActionOwner;
  provider: string;
  /** What CodePipeline's documentation calls it. */
  title: string;
}

/** CodePipeline's providers that Sluice will have and does not yet. */
export const PROVIDERS_NOT_YET_BUILT: readonly ProviderNotYetBuilt[] = [
  { category: 'Deploy', owner: 'AWS', provider: 'CloudFormationStackSet', title: 'CloudFormation StackSets' },
  { category: 'Deploy', owner: 'AWS', provider: 'CloudFormationStackInstances', title: 'CloudFormation StackSets instances' },
  { category: 'Deploy', owner: 'AWS', provider: 'ElasticBeanstalk', title: 'Elastic Beanstalk' },
  { category: 'Deploy', owner: 'AWS', provider: 'ServiceCatalog', title: 'Service Catalog' },
  { category: 'Deploy', owner: 'AWS', provider: 'AppConfig', title: 'AppConfig' },
  { category: 'Deploy', owner: 'AWS', provider: 'EKS', title: 'Amazon EKS' },
  { category: 'Deploy', owner: 'AWS', provider: 'CodeDeployToECS', title: 'Amazon ECS blue/green (CodeDeploy)' },
];
