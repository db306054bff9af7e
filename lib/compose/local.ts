import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { actionProviders } from '../actions/registry';
import { awsCodeCommitAccess } from '../adapters/aws/codecommit-access';
import { DynamoDbExecutionStore } from '../adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../adapters/aws/execution-table';
import { S3BlobStore } from '../adapters/aws/s3-blob-store';
import { InProcessBus } from '../adapters/local/in-process-bus';
import { startLocalHttpServer, type LocalHttpServer } from '../adapters/local/local-http-server';
import { LocalTaskCallbacks } from '../adapters/local/local-task-callbacks';
import { webhookSecret } from '../adapters/local/webhook-secret-file';
import { OutboxMails } from '../adapters/local/outbox-mails';
import { DynamoDbApprovalStore } from '../adapters/aws/dynamodb-approval-store';
import { GITHUB_API_URL } from '../core/github-api';
import { GitHubCommitStatusReporter } from '../adapters/github/github-commit-status';
import type { StartInBackground } from '../operations/pipeline-operations';
import { ServeOperations, type StopInBackground } from '../operations/serve-operations';
import { LocalOperations, type LocalOperationsDependencies } from '../operations/local-operations';
import { resumeApprovalLocally, runPipelineLocally, type LocalRunOptions } from './local-runner';
import { planApprovalResume, type ApprovalResume } from '../execution/approval-resume';
import { ArtifactStore } from '../artifacts/artifact-store';
import { readUnpackLimits } from './settings-file';
import { providerKey } from '../core/declaration';
import { CommitStatusPublisher, registerCommitStatusRule, type SkippedCommit } from '../execution/commit-statuses';
import type { ExecutionDependencies } from '../execution/dependencies';
import type { CodeCommitAccess } from '../ports/codecommit-access';
import type { GitHubAccess } from '../ports/github-access';
import { endExecution } from '../execution/end-execution';
import { claimDataDir, type ClaimedDataDir } from './data-dir';
import { localClients } from './local-clients';
import { startPipelinesOnNewObjects } from './local-source-changes';
import { setUpLocalNotifications, smtpSettingsFromEnvironment } from './local-notifications';
import { startRetentionSweeps, type RetentionSweeps } from './retention-sweeps';
import { readInstallationSettings } from './settings-file';

const TABLE_NAME = 'sluice';
const ARTIFACT_BUCKET = 'sluice-artifacts';
export const INTERRUPTED = 'interrupted: the process running it ended before it finished';

export interface LocalInstallation {
  dataDir: string;
  deps: LocalDependencies;
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
  /** Run executions that the API starts, in this process (sluice serve). */
  runInBackground?: Pick<LocalRunOptions, 'onApproval'>;
  /** Where notices go, such as one line for each mail put in the outbox. */
  write?: (line: string) => void;
  /** How often a process that runs executions in the background applies the retention policy; hourly when absent. */
  retentionSweepMs?: number;
};

/**
 * GitHub's API, for commit statuses and CodeStarSourceConnection sources, from SLUICE_GITHUB_TOKEN
 * and SLUICE_GITHUB_API_URL; none without a token.
 */
export function gitHubSettingsFromEnvironment(env: NodeJS.ProcessEnv): GitHubAccess | undefined {
  const token = env.SLUICE_GITHUB_TOKEN;
  if (!token) return undefined;
  return { apiUrl: env.SLUICE_GITHUB_API_URL || GITHUB_API_URL, token: async () => token };
}

/**
 * CodeCommit, for CodeCommit sources, in AWS_REGION (or AWS_DEFAULT_REGION, as the AWS CLI reads
 * it) with the SDK's default credentials; none without a region.
 */
export function codeCommitSettingsFromEnvironment(env: NodeJS.ProcessEnv): CodeCommitAccess | undefined {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) return undefined;
  return awsCodeCommitAccess({ region, identity: 'the IAM user or role of your AWS credentials' });
}

/** What a local run needs: the execution steps' dependencies, approvals, and the engine's task tokens. */
export type LocalDependencies = LocalOperationsDependencies & { callbacks: LocalTaskCallbacks };

/**
 * Opens the local installation in a data dir: takes ownership, starts the embedded DynamoDB and
 * S3, and marks executions that a dead process left InProgress as Failed ("interrupted"). A process
 * that serves and runs executions in the background (`sluice serve`) resumes instead those that
 * were only waiting for Manual approvals: their pending approvals and mailed links go on working.
 */
export async function openLocalInstallation(options: OpenOptions): Promise<LocalInstallation> {
  // Uploads start pipelines only where executions run in the background, so only there is the upload endpoint open.
  const claimed = options.claimed ?? (await claimDataDir(options.dataDir, options.command, { acceptUploads: Boolean(options.serveApi && options.runInBackground) }));
  const { dataDir, lock } = claimed;
  const stack = await claimed.stack.catch(async (error: unknown) => {
    await claimed.processes.release();
    await lock.release();
    throw error;
  });
  const clients = localClients(stack);
  const documents = DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const bus = new InProcessBus();
  const store = new DynamoDbExecutionStore(documents, TABLE_NAME);
  // The local counterpart of the event recorder: every event is kept for `sluice events`.
  bus.subscribe((event) => store.recordEvent(event));
  const blobs = new S3BlobStore(clients.s3);
  let url: string | undefined;
  const linkBase = () => options.publicUrl?.href ?? url ?? 'http://127.0.0.1/';
  const deps: LocalDependencies = {
    store,
    approvals: new DynamoDbApprovalStore(documents, TABLE_NAME),
    callbacks: new LocalTaskCallbacks(),
    approvalUrl: (approvalId) => new URL(`approvals/${approvalId}`, linkBase()).href,
    newSecret: () => randomBytes(24).toString('base64url'),
    events: bus,
    eventFeed: bus,
    blobs,
    artifacts: new ArtifactStore(blobs, { unpackLimits: () => readUnpackLimits(dataDir), temporaryRoot: claimed.processes.workspaceRoot }),
    providers: new Map(actionProviders.map((provider) => [providerKey(provider.spec), provider])),
    artifactBucket: ARTIFACT_BUCKET,
    workspaceRoot: claimed.processes.workspaceRoot,
    buildProcesses: claimed.processes,
    clock: () => new Date(),
    newId: randomUUID,
    pipelineArn: (name) => `arn:aws:codepipeline:local:000000000000:${name}`,
    gitHub: gitHubSettingsFromEnvironment(process.env),
    codeCommit: codeCommitSettingsFromEnvironment(process.env),
    onLog: options.onLog,
    mails: new OutboxMails(dataDir),
    installationSettings: () => readInstallationSettings(dataDir),
  };
  let server: LocalHttpServer | undefined;
  let commitStatuses: CommitStatusPublisher | undefined;
  let stopObjectEvents: (() => void) | undefined;
  let retentionSweeps: RetentionSweeps | undefined;
  const background = new Set<Promise<unknown>>();
  const stopBackground = new AbortController();
  /** The executions that run in this process, each with what stops it and its end. */
  const runningHere = new Map<string, { stop: AbortController; ended: Promise<unknown> }>();
  /** Keeps a background run until it settles, so that closing waits for it. */
  const keep = (run: Promise<unknown>) => {
    background.add(run);
    const ended = run.then(() => undefined, () => undefined);
    void ended.then(() => background.delete(run));
    return ended;
  };
  /** Lets StopPipelineExecution stop a started execution until it ends. */
  const stoppable = (executionId: string, stop: AbortController, ended: Promise<unknown>) => {
    runningHere.set(executionId, { stop, ended });
    void ended.then(() => runningHere.delete(executionId));
  };
  const stopInBackground: StopInBackground = async (executionId, reason) => {
    const running = runningHere.get(executionId);
    if (!running) return false;
    running.stop.abort(reason);
    await running.ended;
    return true;
  };
  // Every background execution listens to it; fifty at once, from webhooks, are no leak.
  setMaxListeners(Infinity, stopBackground.signal);
  const close = async () => {
    stopObjectEvents?.();
    await retentionSweeps?.stop();
    stopBackground.abort();
    deps.callbacks.abandonAll('the process running the execution is closing');
    await Promise.allSettled([...background]);
    await commitStatuses?.settled();
    await server?.close();
    clients.s3.destroy();
    clients.dynamodb.destroy();
    await stack.close();
    await claimed.processes.release();
    await lock.release();
  };
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const letGoOfResumed = new AbortController();
  /** Resumes a waiting execution in the background; true once each of its approvals waits again. */
  const resumeInBackground = (plan: ApprovalResume) => new Promise<boolean>((resolve) => {
    let waiting = 0;
    const stop = new AbortController();
    const run = resumeApprovalLocally(deps, plan, {
      signal: stop.signal,
      leaveWaiting: stopBackground.signal,
      detach: letGoOfResumed.signal,
      onApproval: () => {
        waiting += 1;
        if (waiting === plan.approvals.length) resolve(true);
      },
    });
    stoppable(plan.execution.pipelineExecutionId, stop, keep(run));
    run.then(
      () => resolve(false),
      (error: unknown) => {
        write(`warning: resuming execution ${plan.execution.pipelineExecutionId} failed: ${error instanceof Error ? error.message : String(error)}`);
        resolve(false);
      },
    );
  });
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
    await Promise.all([ensureExecutionTable(clients.dynamodb, TABLE_NAME), blobs.ensureBucket(ARTIFACT_BUCKET)]);
    const resumable: ApprovalResume[] = [];
    for (const execution of await deps.store.listExecutionsInProgress()) {
      // Only a process that serves approval pages and runs executions in the background can take over a waiting approval.
      const plan = options.serveApi && options.runInBackground ? await planApprovalResume(deps, execution).catch(() => undefined) : undefined;
      if (plan) {
        resumable.push(plan);
        continue;
      }
      const pipeline = { name: execution.pipelineName, version: execution.pipelineVersion, executionId: execution.pipelineExecutionId, variables: execution.variables };
      await endExecution(deps, pipeline, 'Failed', INTERRUPTED);
    }
    // Resumed before the server listens, so that no decision can arrive before its Task waits again.
    const resumed = await Promise.all(resumable.map((plan) => resumeInBackground(plan)));
    if (options.serveApi) {
      const token = randomBytes(24).toString('base64url');
      const runInBackground = options.runInBackground;
      const startInBackground: StartInBackground | undefined = runInBackground
        && ((record, variables, trigger, sourceRevisions) =>
          new Promise<string>((resolve, reject) => {
            const stop = new AbortController();
            const run = runPipelineLocally(deps, record.declaration, {
              ...runInBackground, version: record.version, variables, trigger, sourceRevisions, signal: stop.signal, leaveWaiting: stopBackground.signal,
              // Called once the execution is recorded, after `ended` below is set.
              onStart: (executionId) => {
                stoppable(executionId, stop, ended);
                resolve(executionId);
              },
            });
            const ended = keep(run);
            // A run that fails before it starts rejects the start; after onStart, this does nothing.
            run.catch(reject);
          }));
      if (startInBackground && deps.gitHub) {
        commitStatuses = new CommitStatusPublisher({
          reporter: new GitHubCommitStatusReporter(deps.gitHub),
          store,
          executionUrl: (executionId) => new URL(`executions/${executionId}`, linkBase()).href,
          warn: (message) => write(`warning: ${message}`),
        });
        registerCommitStatusRule(bus, commitStatuses);
      } else if (startInBackground) {
        write('GitHub commit statuses: off (set SLUICE_GITHUB_TOKEN, and SLUICE_GITHUB_API_URL for GitHub Enterprise, to report them)');
      }
      // GitHub's webhook starts executions, so it is served only where they can run.
      const webhooks = startInBackground && {
        store,
        start: startInBackground,
        clock: deps.clock,
        webhookSecret: () => webhookSecret(dataDir),
        reportSkipped: (skip: SkippedCommit) => commitStatuses?.skipped(skip),
      };
      // Like GitHub's webhook, a new object in the embedded S3 starts executions, so only here.
      if (startInBackground) {
        stopObjectEvents = startPipelinesOnNewObjects(stack, { store, start: startInBackground, clock: deps.clock }, {
          artifactBucket: ARTIFACT_BUCKET,
          track: (work) => {
            background.add(work);
            void work.finally(() => background.delete(work));
          },
          write,
        });
      }
      const api = startInBackground ? new ServeOperations(deps, startInBackground, stopInBackground) : new LocalOperations(deps);
      server = await startLocalHttpServer({ api, token, approvals: deps, webhooks, port: options.port, publicUrl: options.publicUrl });
      url = server.url;
      await lock.advertise({ url, token }, stack.s3UploadEndpoint);
      // Only a long-lived process keeps the data in bounds: sluice run must start fast.
      if (api instanceof ServeOperations) retentionSweeps = startRetentionSweeps({ prune: () => api.pruneExecutions({}), write, intervalMs: options.retentionSweepMs });
    }
    resumable.forEach((plan, index) => {
      if (!resumed[index]) return;
      const waiting = plan.approvals.map((approval) => `${approval.stageName}/${approval.actionName} ${deps.approvalUrl(approval.approvalId)}`).join(', ');
      write(`Resumed execution ${plan.execution.pipelineExecutionId} of ${plan.execution.pipelineName}: waiting for approval: ${waiting}`);
    });
  } catch (error) {
    // Executions resumed here stay InProgress for the next process, rather than end as stopped.
    letGoOfResumed.abort();
    await close();
    throw error;
  }
  return { dataDir, deps, bus, url, s3UploadEndpoint: stack.s3UploadEndpoint, close };
}
