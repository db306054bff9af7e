import { randomBytes, randomUUID } from 'node:crypto';
import { SdkAwsClients } from '../adapters/aws/aws-clients';
import os from 'node:os';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { providerSpecs } from '../actions/registry';
import { DEFAULT_ROLE, type AccessDeniedOptions } from '../adapters/aws/access-denied';
import { awsCodeCommitAccess } from '../adapters/aws/codecommit-access';
import type { CodeCommitAccess } from '../ports/codecommit-access';
import { DynamoDbApprovalStore } from '../adapters/aws/dynamodb-approval-store';
import { DynamoDbAuditLog } from '../adapters/aws/dynamodb-audit-log';
import { DynamoDbExecutionStore } from '../adapters/aws/dynamodb-execution-store';
import { EventBridgeBus } from '../adapters/aws/eventbridge-bus';
import { S3BlobStore } from '../adapters/aws/s3-blob-store';
import { SecretsManagerSecret } from '../adapters/aws/secrets-manager-secret';
import { SnsApprovalNotifier } from '../adapters/aws/sns-approval-notifier';
import { StateMachineVersions } from '../adapters/aws/state-machine-versions';
import { startStateMachineRun, StepFunctionsEngine, stopStateMachineExecution, type StepFunctionsEngineOptions } from '../adapters/aws/step-functions-engine';
import { StepFunctionsTaskCallbacks } from '../adapters/aws/step-functions-task-callbacks';
import { DynamoDbStageLocks } from '../adapters/aws/dynamodb-stage-locks';
import { DynamoDbCustomActionStore } from '../adapters/aws/dynamodb-custom-action-store';
import type { WebhookRouteDependencies } from '../api/webhook-routes';
import { ArtifactStore } from '../artifacts/artifact-store';
import type { FunctionArns } from '../core/compile';
import type { HostFamily } from '../core/connection-hosts';
import { providerKey } from '../core/declaration-fields';
import { arnRegionAndAccount } from '../core/events';
import type { SkippedCommit } from '../execution/commit-statuses';
import { changedFilesThrough } from '../execution/webhook-deliveries';
import type { ExecutionDependencies } from '../execution/dependencies';
import { lambdaStoppingWait, type StoppingWait } from '../execution/stop-execution';
import { PipelineOperations, type OperationsCapabilities, type OperationsDependencies, type StartInBackground } from '../operations/pipeline-operations';
import { StackPipelines } from '../operations/stack-pipelines';
import type { VersionRun } from '../ports/engine';
import type { TaskContext } from '../ports/task-context';
import {
  awsEnvironment,
  engineOptions,
  functionRole,
  requiredVariable,
  WEBHOOK_SECRET_OUTPUTS,
  WEBHOOK_SECRET_VARIABLES,
  type AwsEnvironment,
} from './aws-environment';
import { documentClientOf, functionDocuments, functionEventBridge, functionS3, functionSecretsManager, functionSfn, functionSns } from './aws-function-clients';
import { awsConnections, awsRepositoryHosts } from './aws-repository-hosts';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  s3: S3Client;
  eventBridge: EventBridgeClient;
  sfn: SFNClient;
  sns: SNSClient;
  secretsManager: SecretsManagerClient;
}

/** The SDK clients of one region; credentials and endpoints come from the SDK's usual chain. */
export function createAwsClients(region: string | undefined): AwsClients {
  const dynamodb = new DynamoDBClient({ region });
  return {
    dynamodb,
    documents: documentClientOf(dynamodb),
    s3: new S3Client({ region }),
    eventBridge: new EventBridgeClient({ region }),
    sfn: new SFNClient({ region }),
    sns: new SNSClient({ region }),
    secretsManager: new SecretsManagerClient({ region }),
  };
}

// What the functions build once per Lambda container, and keep.
let dependencies: OperationsDependencies | undefined;
let engine: StepFunctionsEngine | undefined;
const webhookSecrets = new Map<HostFamily, SecretsManagerSecret>();

/** The stack's resources that the execution dependencies use, and the role they run as. */
export type AwsResources = Omit<AwsEnvironment, 'idempotencyTableName' | 'region' | 'gitHubTokenSecretArn' | 'gitHubApiUrl'>;

/**
 * The execution dependencies on the stack's resources, through the given clients. The sources'
 * access (GitHub, CodeCommit) and CodeBuild's builds are for the functions; the CLI has no use for them.
 */
export function createAwsDependencies(
  env: AwsResources,
  sdk: Omit<AwsClients, 'dynamodb' | 'secretsManager'>,
  sources: Pick<
    ExecutionDependencies,
    'repositoryHosts' | 'codeCommit' | 'builds' | 'commandsProjectName' | 'commandEnvironment' | 'alarms' | 'lambdaFunctions' | 'awsClients' | 'startRun'
  > &
    Partial<Pick<ExecutionDependencies, 'providers'>> &
    Pick<OperationsDependencies, 'jobFunctions' | 'artifactCredentials'> = {},
): OperationsDependencies {
  const access: AccessDeniedOptions = env.roleName ? { roleName: env.roleName } : {};
  const { awsClients } = sources;
  const blobs = new S3BlobStore(sdk.s3, access);
  const notifier = new SnsApprovalNotifier(sdk.sns, env.approvalTopicArn, access);
  const bus = new EventBridgeBus(sdk.eventBridge, env.eventBusName, access);
  return {
    store: new DynamoDbExecutionStore(sdk.documents, env.tableName, access),
    approvals: new DynamoDbApprovalStore(sdk.documents, env.tableName, access),
    customActions: new DynamoDbCustomActionStore(sdk.documents, env.tableName, access),
    locks: new DynamoDbStageLocks(sdk.documents, env.tableName, access),
    audit: new DynamoDbAuditLog(sdk.documents, env.tableName, access),
    auditEvents: bus,
    callbacks: new StepFunctionsTaskCallbacks(sdk.sfn, access),
    approvalUrl: (approvalId) => new URL(`approvals/${approvalId}`, env.publicUrl.endsWith('/') ? env.publicUrl : `${env.publicUrl}/`).href,
    newSecret: () => randomBytes(24).toString('base64url'),
    notifyApprovers: (request) => notifier.notify(request),
    events: bus,
    blobs,
    artifacts: new ArtifactStore(blobs),
    // The specs alone, which compilation reads: the action runner and the source poll give the providers' run code.
    providers: new Map(providerSpecs.map((spec) => [providerKey(spec), { spec }])),
    artifactBucket: env.artifactBucket,
    workspaceRoot: os.tmpdir(),
    clock: () => new Date(),
    newId: randomUUID,
    pipelineArn: (name) => `${env.pipelineArnPrefix}${name}`,
    // The pipelines' ARNs name the stack's region: the home region of those with artifactStores.
    region: arnRegionAndAccount(env.pipelineArnPrefix).region,
    // Cross-region actions keep their artifacts in their region's bucket, reached by S3 of that region.
    ...(awsClients ? { blobsIn: (region: string) => new S3BlobStore(awsClients.client(S3Client, { region }), access) } : {}),
    ...sources,
  };
}

/**
 * What every function's handlers need on AWS, built on the first call in a container and kept:
 * the stores, the bus, the artifacts and the providers' specs. The functions that run actions or
 * poll sources add the rest (lib/compose/aws-actions.ts, aws-source-poll.ts), and those that
 * start custom actions' jobs their functions (lib/compose/aws-jobs.ts).
 */
export function awsDependencies(): OperationsDependencies {
  if (dependencies) return dependencies;
  const sdk = { documents: functionDocuments(), s3: functionS3(), eventBridge: functionEventBridge(), sfn: functionSfn(), sns: functionSns() };
  return (dependencies = createAwsDependencies(awsEnvironment(), sdk, {
    awsClients: new SdkAwsClients(awsEnvironment().region),
    startRun: awsStartRun,
  }));
}

/** A stage's automatic rollback starts on the version's state machine as the function's own role; on AWS every version has one. */
const awsStartRun: VersionRun = (version, runName, input) => {
  if (!version.versionArn) throw new Error(`Version ${version.version} of pipeline ${version.name} has no state machine on AWS.`);
  return startStateMachineRun(functionSfn(), functionRole(), version.versionArn, runName, input);
};

/** CodeCommit in the function's region and account, as the function's role. */
export function awsCodeCommit(): CodeCommitAccess {
  const { region, roleName, pipelineArnPrefix } = awsEnvironment();
  // The pipelines' ARN prefix, `arn:<partition>:codepipeline:<region>:<account>:`, gives the stack's account.
  return awsCodeCommitAccess({ region, identity: roleName ?? DEFAULT_ROLE, accountId: pipelineArnPrefix.split(':')[4] });
}

/** Starts executions on the published versions of the stack's state machines. */
export function awsStartInBackground(): StartInBackground {
  engine ??= new StepFunctionsEngine(functionSfn(), engineOptions());
  return new PipelineOperations(awsDependencies(), { engine, runtime: 'aws' }).startInBackground;
}

/**
 * How a task function's step held by a stop and wait waits, in the function's time, and then
 * stops the execution's run on Step Functions as the function's own role.
 */
export function awsStoppingWait(context: TaskContext): StoppingWait {
  const runs = { stopExecution: (executionArn: string, cause: string) => stopStateMachineExecution(functionSfn(), functionRole(), executionArn, cause) };
  return lambdaStoppingWait(awsDependencies(), runs, () => context.getRemainingTimeInMillis());
}

/** How the state machines of pipelines registered at run time are deployed. */
export interface PipelineDeployment extends Pick<StepFunctionsEngineOptions, 'roleArn' | 'namePrefix' | 'roleName'> {
  /** Where their executions log: the log group of the shipped state machines. */
  logGroupArn: string;
  /** The stack's task functions, which they invoke. */
  functions: FunctionArns;
}

/**
 * The API on a deployed stack, whose pipelines are state machines published as they are
 * registered. The CLI (`--target aws`) and the http function both build it here, so that a state
 * machine gets the logging and tracing that serverless.yml gives the shipped ones whichever
 * registers it.
 */
export function createAwsOperations(
  deps: OperationsDependencies,
  sfn: SFNClient,
  deployment: PipelineDeployment,
  extra: Pick<OperationsCapabilities, 'gitHubWebhook' | 'caller'> = {},
): PipelineOperations {
  const { logGroupArn, functions, ...options } = deployment;
  const engine = new StepFunctionsEngine(sfn, {
    ...options,
    pruneVersions: versionPruning(sfn, options, console.warn),
    loggingConfiguration: { level: 'ERROR', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn } }] },
    tracingConfiguration: { enabled: true },
  });
  return new PipelineOperations(deps, { engine, functions, runtime: 'aws', ...extra });
}

/**
 * Deletes a state machine's old versions that no execution uses. It is housekeeping after a
 * deploy that has succeeded, so a failure is a warning, not a failed deploy.
 */
export function versionPruning(sfn: SFNClient, access: AccessDeniedOptions, warn: (message: string) => void): (stateMachineArn: string) => Promise<void> {
  const versions = new StateMachineVersions(sfn, access);
  return async (stateMachineArn) => {
    try {
      await versions.prune(stateMachineArn);
    } catch (error) {
      warn(`The old versions of ${stateMachineArn} were not deleted; the next change tries again. ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

/** versionPruning for the function that registers the stack's own pipelines, whose state machines CloudFormation publishes. */
export function awsVersionPruning(warn: (message: string) => void): (stateMachineArn: string) => Promise<void> {
  return versionPruning(functionSfn(), functionRole(), warn);
}

/** The stack's own pipelines (pipelines/*.yml), as its Custom::SluicePipeline resources register them. */
export function awsStackPipelines(): StackPipelines {
  return new StackPipelines(awsDependencies());
}

/**
 * `POST /webhooks/<host>` on AWS: each host's secret from Secrets Manager, executions started on Step
 * Functions, and each skipped pipeline told to `reportSkipped`.
 */
export function awsWebhookDependencies(reportSkipped: (skip: SkippedCommit) => void): WebhookRouteDependencies {
  const secret = (host: HostFamily) => {
    let stored = webhookSecrets.get(host);
    if (!stored) {
      stored = new SecretsManagerSecret(functionSecretsManager(), requiredVariable(WEBHOOK_SECRET_VARIABLES[host]), {
        holds: `${host} webhook secret`,
        ...functionRole(),
      });
      webhookSecrets.set(host, stored);
    }
    return stored;
  };
  const deps = awsDependencies();
  return {
    store: deps.store,
    start: awsStartInBackground(),
    clock: deps.clock,
    webhookSecret: (host) => secret(host).required(),
    // Anyone may call the route: the answer names the stack's output, not the secret's ARN.
    secretCommand: (host) =>
      `aws secretsmanager get-secret-value --query SecretString --output text --secret-id <the stack's ${WEBHOOK_SECRET_OUTPUTS[host]} output>`,
    reportSkipped,
    changedFiles: changedFilesThrough(awsRepositoryHosts()),
    connections: awsConnections,
  };
}
