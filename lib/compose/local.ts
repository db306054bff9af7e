import { randomBytes, randomUUID } from 'node:crypto';
import { awsCredentialsFound, LOCAL_ACCOUNT_ID, localAwsClients, localRegion } from './aws-access';
import { awsEndpoints, localBuildSecrets, localRuleServices } from './rule-endpoints';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { runnableProviders } from '../actions/action-providers';
import { awsCodeCommitAccess } from '../adapters/aws/codecommit-access';
import { LocalExecutionStore } from './local-execution-store';
import { ensureExecutionTable, isMissingTable } from '../adapters/aws/execution-table';
import { S3BlobStore } from '../adapters/aws/s3-blob-store';
import { InProcessBus } from '../adapters/local/in-process-bus';
import { consoleSessionSecret, LocalConsoleSessions } from '../adapters/local/console-sessions';
import type { LocalHttpServer } from '../adapters/local/local-http-server';
import { LocalTaskCallbacks } from '../adapters/local/local-task-callbacks';
import { webhookSecret } from '../adapters/local/webhook-secret-file';
import { installationCredentials } from '../adapters/local/installation-credentials';
import { OutboxMails } from '../adapters/local/outbox-mails';
import { DynamoDbStageLocks } from '../adapters/aws/dynamodb-stage-locks';
import { DynamoDbCustomActionStore } from '../adapters/aws/dynamodb-custom-action-store';
import { DynamoDbApprovalStore } from '../adapters/aws/dynamodb-approval-store';
import { DynamoDbAuditLog } from '../adapters/aws/dynamodb-audit-log';
import { ConfiguredRepositoryHosts } from '../adapters/git-hosts/configured-hosts';
import type { Connections, HostFamily } from '../core/connection-hosts';
import { LocalEngine, type LocalRunOptions } from '../adapters/local/local-engine';
import { PipelineOperations, type OperationsDependencies } from '../operations/pipeline-operations';
import { localTaskHandlers } from './local-task-handlers';
import { resumedNotice, resumeWaiting, takeOverInterrupted } from '../execution/interrupted-executions';
import { installationPruning, type InstallationPruneDependencies } from '../execution/prune-executions';
import { compileRegisteredVersion } from '../execution/start-on-engine';
import { startPipelinesOnNewObjects } from '../execution/object-created-trigger';
import { ArtifactStore } from '../artifacts/artifact-store';
import { readUnpackLimits } from './settings-file';
import { FUNCTION_PLACEHOLDERS } from '../core/compile';
import { CommitStatusPublisher, registerCommitStatusRule, type SkippedCommit } from '../execution/commit-statuses';
import type { ExecutionDependencies } from '../execution/dependencies';
import type { CodeCommitAccess } from '../ports/codecommit-access';
import type { RepositoryHosts } from '../ports/repository-host';
import { endRun } from '../execution/end-execution';
import { claimDataDir, type ClaimedDataDir } from './data-dir';
import { commandLineCaller } from './callers';
import { localClients } from './local-clients';
import { lambdaHandlers, localJobFunctions } from './local-job-functions';
import { startLocalHttpApi } from './local-http-api';
import { setUpLocalNotifications, smtpSettingsFromEnvironment } from './local-notifications';
import { startRetentionSweeps, type RetentionSweeps } from './retention-sweeps';
import { startPeriodicWork, type PeriodicWork } from './periodic-work';
import { providerLatestRevision, sourcePoll } from '../execution/source-polling';
import { changedFilesThrough } from '../execution/webhook-deliveries';
import { readInstallationSettings } from './settings-file';

const TABLE_NAME = 'sluice';
const ARTIFACT_BUCKET = 'sluice-artifacts';
/** The project name of local Commands builds: the local CodeBuild runs them with no project defined. */
const LOCAL_COMMANDS_PROJECT = 'sluice-commands';

export interface LocalInstallation {
  dataDir: string;
  deps: LocalDependencies;
  /** Runs the executions of this process: a foreground sluice run's, and sluice serve's in the background. */
  engine: LocalEngine;
  /** The API on this installation: it starts and stops executions only where they run in the background. */
  operations: PipelineOperations;
  /** The local HTTP surface (API and approval pages), when this process serves it. */
  url?: string;
  bus: InProcessBus;
  /** The embedded S3's upload endpoint, when this process starts pipelines from uploads. */
  s3UploadEndpoint?: string;
  close(): Promise<void>;
}

/**
 * The data dir to claim, with the command that owns it while it is open (shown to any other
 * process); or one the caller has claimed already, to start its stack early.
 */
type DataDirToOpen = { dataDir?: string; command: string; claimed?: never } | { claimed: ClaimedDataDir };

export type OpenOptions = DataDirToOpen & {
  onLog?: ExecutionDependencies['onLog'];
  /** Serve the local API, so that other commands on this data dir go through this process. */
  serveApi?: boolean;
  /** The port of that server; a free one when absent. */
  port?: number;
  /** The URL a proxy or tunnel serves that server at: the base of the links Sluice sends. */
  publicUrl?: URL;
  /** Run executions that the API starts, in this process (sluice serve), their handlers told this; only with serveApi. */
  runInBackground?: Pick<LocalRunOptions, 'onApproval'>;
  /** Where notices go, such as one line for each mail put in the outbox. */
  write?: (line: string) => void;
  /** How often a process that runs executions in the background applies the retention policy; hourly when absent. */
  retentionSweepMs?: number;
  /** How often a process that runs executions in the background polls sources with PollForSourceChanges "true"; every minute when absent. */
  sourcePollMs?: number;
};

/** How often `sluice serve` polls the sources that ask for it, unless told otherwise. */
export const SOURCE_POLL_INTERVAL_MS = 60 * 1000;

/** The environment variables of each host family's token, and of its public API where it is elsewhere (GitHub Enterprise's, a proxy). */
const HOST_ENVIRONMENT: Record<HostFamily, { token: string; apiUrl: string }> = {
  GitHub: { token: 'SLUICE_GITHUB_TOKEN', apiUrl: 'SLUICE_GITHUB_API_URL' },
  Bitbucket: { token: 'SLUICE_BITBUCKET_TOKEN', apiUrl: 'SLUICE_BITBUCKET_API_URL' },
  GitLab: { token: 'SLUICE_GITLAB_TOKEN', apiUrl: 'SLUICE_GITLAB_API_URL' },
};

/**
 * The repository hosts, for CodeStarSourceConnection sources and commit statuses: each family's
 * token and API from the environment (SLUICE_GITHUB_TOKEN, SLUICE_BITBUCKET_TOKEN,
 * SLUICE_GITLAB_TOKEN...), and which host each connection reaches from the settings.
 */
export function repositoryHostsFromEnvironment(env: NodeJS.ProcessEnv, connections: () => Promise<Connections>): RepositoryHosts {
  const families = Object.entries(HOST_ENVIRONMENT) as [HostFamily, { token: string; apiUrl: string }][];
  return new ConfiguredRepositoryHosts({
    connections,
    tokens: Object.fromEntries(families.filter(([, names]) => env[names.token]).map(([family, names]) => [family, async () => env[names.token]!])),
    publicApiUrls: Object.fromEntries(families.filter(([, names]) => env[names.apiUrl]).map(([family, names]) => [family, env[names.apiUrl]!])),
    tokenSources: Object.fromEntries(families.map(([family, names]) => [family, `set ${names.token}`])) as Record<HostFamily, string>,
  });
}

/** Whether any host family has a token in the environment: commit statuses are reported only then. */
const anyHostToken = (env: NodeJS.ProcessEnv) => Object.values(HOST_ENVIRONMENT).some((names) => Boolean(env[names.token]));

/**
 * CodeCommit, for CodeCommit sources, in AWS_REGION (or AWS_DEFAULT_REGION, as the AWS CLI reads
 * it) with the SDK's default credentials; none without a region.
 */
export function codeCommitSettingsFromEnvironment(env: NodeJS.ProcessEnv): CodeCommitAccess | undefined {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) return undefined;
  return awsCodeCommitAccess({ region, identity: 'the IAM user or role of your AWS credentials' });
}

/** What a local run needs: the execution steps' dependencies, approvals, retention, and the engine's task tokens. */
export type LocalDependencies = OperationsDependencies & InstallationPruneDependencies & { callbacks: LocalTaskCallbacks };

/** The local engine, its Tasks run by the local handlers on `deps`; `background` is what executions started by the API are told. */
export function localEngine(deps: LocalDependencies, background?: LocalRunOptions): LocalEngine {
  return new LocalEngine({
    handlers: (compiled, pipeline, options) => localTaskHandlers(deps, compiled, pipeline, options),
    endExecution: (pipeline, runArn, status, reason) => endRun(deps, pipeline, runArn, status, reason),
    compiledVersion: (name, version) => compileRegisteredVersion(deps, name, version),
    background,
  });
}

/**
 * Opens the local installation in a data dir: takes ownership, starts the embedded DynamoDB and
 * S3, and marks executions that a dead process left InProgress as Failed ("interrupted"). A process
 * that serves and runs executions in the background (`sluice serve`) resumes instead those that
 * were only waiting for Manual approvals: their pending approvals and mailed links go on working.
 */
export async function openLocalInstallation(options: OpenOptions): Promise<LocalInstallation> {
  // Uploads start pipelines only where executions run in the background, so only there is the upload endpoint open.
  const claimed =
    options.claimed ?? (await claimDataDir(options.dataDir, options.command, { acceptUploads: Boolean(options.serveApi && options.runInBackground) }));
  const { dataDir, lock } = claimed;
  const stack = await claimed.stack.catch(async (error: unknown) => {
    await claimed.processes.release();
    await lock.release();
    throw error;
  });
  const clients = localClients(stack);
  const documents = DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const bus = new InProcessBus();
  const store = new LocalExecutionStore(documents, TABLE_NAME);
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  // The local counterpart of the event recorder: every event is kept for `sluice events`.
  bus.subscribe((event) =>
    store.recordBehind(event, (failed, error) =>
      write(`warning: recording the ${failed['detail-type']} event ${failed.id} failed, so \`sluice events\` will not list it: ${(error as Error).message}`),
    ),
  );
  const blobs = new S3BlobStore(clients.s3);
  let url: string | undefined;
  const linkBase = () => options.publicUrl?.href ?? url ?? 'http://127.0.0.1/';
  const actionAwsClients = localAwsClients(process.env);
  const connections = async () => (await readInstallationSettings(dataDir)).connections ?? {};
  const deps: LocalDependencies = {
    store,
    approvals: new DynamoDbApprovalStore(documents, TABLE_NAME),
    customActions: new DynamoDbCustomActionStore(documents, TABLE_NAME),
    locks: new DynamoDbStageLocks(documents, TABLE_NAME),
    audit: new DynamoDbAuditLog(documents, TABLE_NAME),
    jobTimeoutSeconds: async () => (await readInstallationSettings(dataDir)).customActions?.jobTimeoutSeconds,
    lambdaReplyTimeoutSeconds: async () => (await readInstallationSettings(dataDir)).lambda?.replyTimeoutSeconds,
    jobFunctions: localJobFunctions({
      dataDir,
      env: process.env,
      apiUrl: () => url,
      s3Endpoint: stack.s3UploadEndpoint,
      awsClients: actionAwsClients,
      processes: claimed.processes,
    }),
    // The embedded S3 takes only the installation's credentials: a function reads and writes its artifacts with them.
    artifactCredentials: { forJob: () => installationCredentials(dataDir) },
    callbacks: new LocalTaskCallbacks(),
    approvalUrl: (approvalId) => new URL(`approvals/${approvalId}`, linkBase()).href,
    newSecret: () => randomBytes(24).toString('base64url'),
    events: bus,
    eventFeed: bus,
    blobs,
    // The embedded S3 is on this disk: a smaller zip saves no time, and deflating hundreds of small files costs some.
    artifacts: new ArtifactStore(blobs, { unpackLimits: () => readUnpackLimits(dataDir), temporaryRoot: claimed.processes.workspaceRoot, compress: false }),
    providers: runnableProviders(),
    artifactBucket: ARTIFACT_BUCKET,
    // The embedded S3 holds the artifact stores of every region; AWS calls go to that region's endpoint.
    region: localRegion(process.env),
    workspaceRoot: claimed.processes.workspaceRoot,
    buildProcesses: claimed.processes,
    buildSecrets: localBuildSecrets(process.env),
    commandsProjectName: LOCAL_COMMANDS_PROJECT,
    clock: () => new Date(),
    newId: randomUUID,
    pipelineArn: (name) => `arn:aws:codepipeline:local:${LOCAL_ACCOUNT_ID}:${name}`,
    repositoryHosts: repositoryHostsFromEnvironment(process.env, connections),
    codeCommit: codeCommitSettingsFromEnvironment(process.env),
    ...localRuleServices(process.env),
    awsClients: actionAwsClients,
    onLog: options.onLog,
    mails: new OutboxMails(dataDir),
    installationSettings: () => readInstallationSettings(dataDir),
  };
  // Executions run in the background only where the API serves: uploads, webhooks and the API start them.
  const runInBackground = options.serveApi ? options.runInBackground : undefined;
  const engine = localEngine(deps, runInBackground);
  // Its Tasks invoke no deployed functions: the engine runs each on a local handler.
  const operations = new PipelineOperations(deps, {
    caller: commandLineCaller(),
    endpoints: awsEndpoints(process.env),
    awsCredentials: awsCredentialsFound,
    handlerFunctions: async () => [...(await lambdaHandlers(dataDir, process.env)).keys()],
    makeArtifactBucket: (bucketName) => blobs.ensureBucket(bucketName),
    prune: installationPruning(deps),
    ...(runInBackground ? { engine, functions: FUNCTION_PLACEHOLDERS } : {}),
    // GitHub's webhook is served only where deliveries can start executions (below).
    ...(runInBackground ? { gitHubWebhook: () => ({ url: new URL('webhooks/github', linkBase()).href, secretSource: 'sluice webhook-secret' }) } : {}),
  });
  // A stage's automatic rollback starts its execution on the engine that runs them in the background.
  if (runInBackground) deps.startRun = operations.startRun;
  let server: LocalHttpServer | undefined;
  let commitStatuses: CommitStatusPublisher | undefined;
  let objectTrigger: { stop(): Promise<void> } | undefined;
  let retentionSweeps: RetentionSweeps | undefined;
  let sourcePolling: PeriodicWork | undefined;
  const close = async () => {
    await objectTrigger?.stop();
    await sourcePolling?.stop();
    await retentionSweeps?.stop();
    engine.leaveWaiting();
    deps.callbacks.abandonAll('the process running the execution is closing');
    await engine.settled();
    await commitStatuses?.settled();
    await server?.close();
    await store.eventsRecorded();
    clients.s3.destroy();
    clients.dynamodb.destroy();
    await stack.close();
    await claimed.processes.release();
    await lock.release();
  };
  try {
    const { notifyApprovers } = await setUpLocalNotifications(bus, {
      dataDir,
      write,
      smtp: smtpSettingsFromEnvironment(process.env),
      store,
      blobs,
      artifactBucket: ARTIFACT_BUCKET,
      consoleUrl: linkBase,
    });
    deps.notifyApprovers = notifyApprovers;
    // A data dir used before has its table, so the first request is the query itself; a new data dir, or one whose table was
    // deleted since, is told by that query's failure, and a table just made holds no executions.
    const executionsInProgress = store.listExecutionsInProgress().catch(async (error: unknown) => {
      if (!isMissingTable(error)) throw error;
      await ensureExecutionTable(clients.dynamodb, TABLE_NAME);
      return [];
    });
    const [inProgress] = await Promise.all([executionsInProgress, blobs.ensureBucket(ARTIFACT_BUCKET)]);
    // Only a process that serves approval pages and runs executions in the background can take over a waiting approval.
    // Resumed before the server listens, so that no decision can arrive before its Task waits again.
    const resumed = await takeOverInterrupted(
      deps,
      runInBackground && ((plan) => resumeWaiting(deps, engine, plan, (message) => write(`warning: ${message}`))),
      inProgress,
    );
    if (options.serveApi) {
      const token = randomBytes(24).toString('base64url');
      const start = runInBackground && operations.startInBackground;
      if (start && deps.repositoryHosts && anyHostToken(process.env)) {
        commitStatuses = new CommitStatusPublisher({
          reporter: deps.repositoryHosts,
          store,
          executionUrl: (executionId) => new URL(`executions/${executionId}`, linkBase()).href,
          warn: (message) => write(`warning: ${message}`),
        });
        registerCommitStatusRule(bus, commitStatuses);
      } else if (start) {
        write('Commit statuses: off (set SLUICE_GITHUB_TOKEN, SLUICE_BITBUCKET_TOKEN or SLUICE_GITLAB_TOKEN to report them)');
      }
      // The webhooks start executions, so they are served only where executions can run.
      const webhooks = start && {
        store,
        start,
        clock: deps.clock,
        webhookSecret: (host: HostFamily) => webhookSecret(dataDir, host),
        connections,
        reportSkipped: (skip: SkippedCommit) => commitStatuses?.skipped(skip),
        changedFiles: deps.repositoryHosts && changedFilesThrough(deps.repositoryHosts),
      };
      // Like GitHub's webhook, a new object in the embedded S3 starts executions, so only here.
      if (start) {
        objectTrigger = startPipelinesOnNewObjects(
          (listener) => stack.onObjectCreated(listener),
          { store, start, clock: deps.clock },
          { artifactBucket: ARTIFACT_BUCKET, write },
        );
        const poll = sourcePoll({
          store,
          start,
          latestRevision: providerLatestRevision(deps),
          write,
        });
        sourcePolling = startPeriodicWork(
          () => poll().catch((error: unknown) => write(`warning: polling sources failed, and runs again later: ${(error as Error).message}`)),
          options.sourcePollMs ?? SOURCE_POLL_INTERVAL_MS,
        );
      }
      server = await startLocalHttpApi({
        api: (caller) => operations.onBehalfOf(caller),
        // Only this user can read the API token and the installation's credentials, in the private data dir.
        localPrincipal: commandLineCaller().who,
        token,
        approvals: deps,
        webhooks,
        credentials: () => installationCredentials(dataDir),
        consoleSessions: new LocalConsoleSessions({
          secret: await consoleSessionSecret(dataDir),
          principal: commandLineCaller().who,
          consoleUrl: linkBase,
          clock: deps.clock,
        }),
        events: bus,
        blobs,
        port: options.port,
        publicUrl: options.publicUrl,
      });
      url = server.url;
      await lock.advertise({ url, token }, stack.s3UploadEndpoint);
      // Only a long-lived process keeps the data in bounds: sluice run must start fast.
      if (start) retentionSweeps = startRetentionSweeps({ prune: () => operations.pruneExecutions({}), write, intervalMs: options.retentionSweepMs });
    }
    for (const plan of resumed) write(resumedNotice(plan, deps.approvalUrl));
  } catch (error) {
    // Executions resumed here stay InProgress for the next process, rather than end as stopped.
    engine.letGoOfAll();
    await close();
    throw error;
  }
  return { dataDir, deps, engine, operations, bus, url, s3UploadEndpoint: stack.s3UploadEndpoint, close };
}
