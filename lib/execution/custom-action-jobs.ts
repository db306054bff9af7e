import { isLambdaInvoke, LAMBDA_JOB_TYPE, LAMBDA_REPLY_TIMEOUT_SECONDS, lambdaJobEvent } from '../actions/lambda-invoke';
import { ActionFailedError, TaskNotWaitingError, type SluiceError } from '../core/errors';
import { artifactSessionPolicy, artifactSessionSeconds } from '../core/artifact-session-policy';
import { artifactStoreOf } from '../core/compile';
import { describeCustomType, customTypeOf } from '../core/custom-action-types';
import { arnRegionAndAccount } from '../core/events';
import { JOB_TIMEOUT_MINUTES } from '../core/integrations/job';
import type { ActionStepPayload, ActionStepResult } from '../core/task-payloads';
import { resolveAction } from '../core/variables';
import type { ArtifactCredentials, ArtifactCredentialsValue } from '../ports/artifact-credentials';
import type { CustomActionStore, JobRecord, JobStatus } from '../ports/custom-action-store';
import type { JobFunctions } from '../ports/job-functions';
import { actionRecord, finishAction, variableValues } from './action-steps';
import type { ApprovalDependencies } from './approvals';
import { publishActionState } from './publish';

export interface JobDependencies extends ApprovalDependencies {
  customActions: CustomActionStore;
  /**
   * How long a custom action's job may wait for a worker to finish it when the action sets no
   * timeoutInMinutes; CodePipeline's hour where this is not given. A local installation's setting.
   */
  jobTimeoutSeconds?: () => Promise<number | undefined>;
  /** The functions of Lambda invoke actions, which do their jobs; such an action fails where there are none. */
  jobFunctions?: JobFunctions;
  /** Credentials for a job's artifacts, which its function's event hands it; none are handed where this is not given. */
  artifactCredentials?: ArtifactCredentials;
  /**
   * How long a Lambda invoke action's function may take to report, each time it is started:
   * CodePipeline's 20 minutes where this is not given. A local installation's setting.
   */
  lambdaReplyTimeoutSeconds?: () => Promise<number | undefined>;
}

/** The statuses of a job that a worker has not finished: the action still waits on it. */
export const OPEN_JOB_STATUSES: readonly JobStatus[] = ['Queued', 'Dispatched', 'InProgress'];

/**
 * A custom action or a Lambda invoke action begins: the action shows InProgress, and a job for it
 * is recorded with the Task's token. A custom action's job is queued for a worker to poll; a
 * Lambda invoke action's is in progress at once, and its function is started with it. Its output
 * artifacts get their locations now: the worker or the function writes each zip there.
 */
export async function queueJob(deps: JobDependencies, payload: ActionStepPayload): Promise<JobRecord> {
  if (!payload.taskToken) throw new TypeError('queueJob needs the task token of the waiting Task.');
  const lambda = isLambdaInvoke(payload.action.actionTypeId);
  const actionTypeId = lambda ? LAMBDA_JOB_TYPE : customTypeOf(payload.action.actionTypeId);
  if (!actionTypeId)
    throw new TypeError(`queueJob runs custom and Lambda invoke actions only; ${payload.action.name} is owned by ${payload.action.actionTypeId.owner}.`);
  const resolved = resolveAction(payload.action, variableValues(payload));
  const now = deps.clock();
  // A Task retried after a lost Lambda answer finds its action started already: the new job goes on with it.
  const started = (await deps.store.listActions(payload.pipeline.executionId)).find(
    (entry) => entry.stageName === payload.stage && entry.actionName === payload.action.name && entry.status === 'InProgress',
  );
  const record = started ?? actionRecord(deps, payload, resolved, { actionExecutionId: deps.newId(), startTime: now.toISOString() });
  const configuration = resolved.configuration ?? {};
  const timeoutSeconds = lambda
    ? await lambdaReplySeconds(deps)
    : resolved.timeoutInMinutes !== undefined
      ? resolved.timeoutInMinutes * 60
      : ((await deps.jobTimeoutSeconds?.()) ?? JOB_TIMEOUT_MINUTES * 60);
  const store = artifactStoreOf(payload.pipeline, deps.artifactBucket);
  const job: JobRecord = {
    jobId: deps.newId(),
    nonce: deps.newSecret(),
    status: lambda ? 'InProgress' : 'Queued',
    taskToken: payload.taskToken,
    actionTypeId,
    pipelineName: payload.pipeline.name,
    pipelineVersion: payload.pipeline.version,
    pipelineExecutionId: payload.pipeline.executionId,
    stageName: payload.stage,
    actionName: payload.action.name,
    actionExecutionId: record.actionExecutionId,
    actionConfiguration: configuration,
    inputArtifacts: payload.inputArtifacts,
    outputArtifacts: (payload.action.outputArtifacts ?? []).map(({ name }) => ({
      name,
      location: deps.artifacts.newLocation({
        bucketName: store.bucketName,
        pipelineName: payload.pipeline.name,
        artifactName: name,
      }),
    })),
    ...(store.kmsKeyId ? { encryptionKey: { id: store.kmsKeyId, type: 'KMS' as const } } : {}),
    ...(lambda
      ? {
          lambda: {
            functionName: configuration.FunctionName ?? '',
            ...(resolved.region ? { region: resolved.region } : {}),
            ...(resolved.roleArn ? { roleArn: resolved.roleArn } : {}),
          },
        }
      : {}),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + timeoutSeconds * 1000).toISOString(),
  };
  // The action is recorded first: a worker is handed only the jobs of actions that wait.
  if (!started) {
    await deps.store.putAction(record);
    await publishActionState(deps, payload.pipeline, record, 'STARTED');
  }
  await deps.customActions.createJob(job);
  if (job.lambda) await startJobFunction(deps, job);
  return job;
}

/** How long a Lambda invoke action's function has to report, from each start. */
export async function lambdaReplySeconds(deps: JobDependencies): Promise<number> {
  return (await deps.lambdaReplyTimeoutSeconds?.()) ?? LAMBDA_REPLY_TIMEOUT_SECONDS;
}

/**
 * Starts a Lambda job's function with the job's event. A function that cannot be started (there
 * is no such function, or no way to invoke functions here) fails the job, and its action, at once.
 */
export async function startJobFunction(deps: JobDependencies, job: JobRecord): Promise<void> {
  const { functionName, region, roleArn } = job.lambda!;
  try {
    if (!deps.jobFunctions) throw new Error('this runtime cannot invoke Lambda functions');
    const credentials = await jobArtifactCredentials(deps, job);
    const event = lambdaJobEvent(job, deps.pipelineArn(job.pipelineName).split(':')[4] ?? '', credentials);
    await deps.jobFunctions.start(functionName, event, { ...(region ? { region } : {}), ...(roleArn ? { roleArn } : {}) });
  } catch (error) {
    const message = `Lambda function ${functionName} could not be invoked: ${error instanceof Error ? error.message : String(error)}`;
    const failed = await deps.customActions.moveJob(job.jobId, OPEN_JOB_STATUSES, 'Failed', { failureDetails: { type: 'JobFailed', message } });
    if (failed) await endClaimedJob(deps, failed, { failure: new ActionFailedError(message) });
  }
}

/**
 * The credentials a job's function is handed for its artifacts: they reach its input objects
 * (read), its output objects (write) and the store's key, for as long as the job may take.
 */
export async function jobArtifactCredentials(deps: JobDependencies, job: JobRecord): Promise<ArtifactCredentialsValue | undefined> {
  if (!deps.artifactCredentials) return undefined;
  const pipelineArn = deps.pipelineArn(job.pipelineName);
  const { region, account } = arnRegionAndAccount(pipelineArn);
  const policy = artifactSessionPolicy({
    partition: pipelineArn.split(':')[1] ?? 'aws',
    region: job.lambda?.region ?? region,
    accountId: account,
    pipelineName: job.pipelineName,
    inputs: job.inputArtifacts.map(({ location }) => location),
    outputs: job.outputArtifacts.map(({ location }) => location),
    ...(job.encryptionKey ? { encryptionKeyId: job.encryptionKey.id } : {}),
  });
  const durationSeconds = artifactSessionSeconds((Date.parse(job.expiresAt) - Date.parse(job.createdAt)) / 1000);
  return deps.artifactCredentials.forJob({ jobId: job.jobId, policy, durationSeconds });
}

/**
 * Ends what still runs of the functions started for a Lambda job and for the jobs its continuation
 * tokens queued after it: its action no longer waits for them.
 */
export async function endJobFunctions(deps: JobDependencies, jobId: string): Promise<void> {
  const end = deps.jobFunctions?.end?.bind(deps.jobFunctions);
  if (!end) return;
  for (let job = await deps.customActions.getJob(jobId); job; job = job.continuedAs ? await deps.customActions.getJob(job.continuedAs) : undefined) {
    if (job.lambda) await end(job.jobId);
  }
}

/** The job worker's success: what the actions after it read, and what the action's record shows. */
export interface JobSuccess {
  outputVariables: Record<string, string>;
  summary?: string;
  externalExecutionId?: string;
}

/**
 * Ends a job the worker has claimed (moved to Succeeded or Failed by one conditional write): the
 * waiting Task is told, then the action's end is recorded. Returns false when no Task waits on
 * the job any more (it timed out, or its execution ended), and the job is then TimedOut.
 */
export async function endClaimedJob(deps: JobDependencies, job: JobRecord, end: { success: JobSuccess } | { failure: SluiceError }): Promise<boolean> {
  const payload = actionOf(job);
  const action = (await deps.store.listActions(job.pipelineExecutionId)).find(
    (entry) => entry.actionExecutionId === job.actionExecutionId && entry.status === 'InProgress',
  );
  const record = async () => {
    if (!action) return;
    if ('failure' in end) {
      await finishAction(deps, payload, action, { status: 'Failed', error: end.failure });
      return;
    }
    const { outputVariables, summary, externalExecutionId } = end.success;
    await finishAction(deps, payload, action, {
      status: 'Succeeded',
      outputArtifacts: job.outputArtifacts.map(({ location }) => location),
      outputVariables,
      ...(summary ? { summary } : {}),
      ...(externalExecutionId ? { externalExecutionId } : {}),
    });
  };
  try {
    if ('failure' in end) await deps.callbacks.fail(job.taskToken, end.failure, record);
    else {
      const result: ActionStepResult = { artifacts: job.outputArtifacts.map(({ location }) => location), variables: end.success.outputVariables };
      await deps.callbacks.succeed(job.taskToken, result as unknown as Record<string, unknown>, record);
    }
    return true;
  } catch (error) {
    if (!(error instanceof TaskNotWaitingError)) throw error;
    await deps.customActions.moveJob(job.jobId, ['Succeeded', 'Failed'], 'TimedOut');
    return false;
  }
}

/** Why a job nobody finished in time fails its action. */
export function jobTimeoutMessage(job: JobRecord): string {
  const minutes = Math.round((Date.parse(job.expiresAt) - Date.parse(job.createdAt)) / 6000) / 10;
  if (job.lambda) {
    return `Lambda function ${job.lambda.functionName} did not report the job within ${minutes} minutes: the action timed out. A function reports with PutJobSuccessResult or PutJobFailureResult.`;
  }
  return `No job worker finished the job of ${describeCustomType(job.actionTypeId)} within ${minutes} minutes: the action timed out. Run a worker that polls for this action type (PollForJobs).`;
}

/**
 * A job found after its time: it times out, and its action fails. Returns the job as it stands
 * afterwards. Its Task's own timer (TimeoutSeconds) may have ended the action first.
 */
export async function expireJobIfDue(deps: JobDependencies, job: JobRecord): Promise<JobRecord> {
  if (!OPEN_JOB_STATUSES.includes(job.status) || deps.clock().getTime() < Date.parse(job.expiresAt)) return job;
  const timedOut = await deps.customActions.moveJob(job.jobId, OPEN_JOB_STATUSES, 'TimedOut');
  if (!timedOut) return (await deps.customActions.getJob(job.jobId)) ?? job;
  await endClaimedJob(deps, timedOut, { failure: new ActionFailedError(jobTimeoutMessage(job)) });
  return timedOut;
}

/**
 * While a custom action's Task waits on the local engine: times its job out when it is due,
 * following the jobs that continuation tokens queued after it, each of which may be due later
 * (a Lambda function's wait starts again with each continuation). Returns what stops the timer.
 */
export function watchJob(deps: JobDependencies, job: Pick<JobRecord, 'jobId' | 'expiresAt'>): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const expire = async () => {
    let current = await deps.customActions.getJob(job.jobId);
    while (current?.continuedAs) current = await deps.customActions.getJob(current.continuedAs);
    if (!current) return;
    const after = await expireJobIfDue(deps, current);
    if (OPEN_JOB_STATUSES.includes(after.status) && !stopped) arm(after.expiresAt);
  };
  // Node's timers hold at most about 24.8 days; the Task's own timeout bounds a longer wait.
  const arm = (expiresAt: string) =>
    (timer = setTimeout(() => void expire(), Math.min(Math.max(0, Date.parse(expiresAt) - deps.clock().getTime()), 2 ** 31 - 1)));
  arm(job.expiresAt);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/** The action a job belongs to, as finishAction takes it: its output artifacts are named in the job. */
function actionOf(job: JobRecord): ActionStepPayload {
  return {
    step: 'queueJob',
    pipeline: { name: job.pipelineName, version: job.pipelineVersion, executionId: job.pipelineExecutionId, variables: {} },
    stage: job.stageName,
    action: {
      name: job.actionName,
      actionTypeId: { ...job.actionTypeId, owner: job.lambda ? 'AWS' : 'Custom' },
      outputArtifacts: job.outputArtifacts.map(({ name }) => ({ name })),
    },
    inputArtifacts: [],
    namespaces: {},
  };
}
