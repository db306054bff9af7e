import { z } from 'zod';
import {
  ActionFailedError,
  ActionTypeNotFoundError,
  InvalidActionDeclarationError,
  InvalidJobStateError,
  InvalidNonceError,
  JobNotFoundError,
  ValidationError,
} from '../core/errors';
import { ActionTypeIdSchema, type ActionTypeId } from '../core/declaration';
import { providerKey } from '../core/declaration-fields';
import {
  CustomActionTypeSchema,
  customActionSpec,
  describeCustomType,
  type CustomActionTypeInput,
  type CustomActionTypeRecord,
} from '../core/custom-action-types';
import type { ProviderCatalog } from '../core/providers';
import { providerCatalog } from '../actions/registry';
import { endClaimedJob, expireJobIfDue, lambdaReplySeconds, OPEN_JOB_STATUSES, startJobFunction, type JobDependencies } from '../execution/custom-action-jobs';
import type { JobEncryptionKey, JobRecord, JobStatus } from '../ports/custom-action-store';
import { parseOrRefuse } from './parse-input';

/** A job as PollForJobs and GetJobDetails hand it to a worker, in CodePipeline's JobData shape. */
export interface JobData {
  actionTypeId: ActionTypeId;
  actionConfiguration: { configuration: Record<string, string> };
  pipelineContext: {
    pipelineName: string;
    stage: { name: string };
    action: { name: string; actionExecutionId: string };
    pipelineArn: string;
    pipelineExecutionId: string;
  };
  inputArtifacts: JobArtifact[];
  outputArtifacts: JobArtifact[];
  encryptionKey?: JobEncryptionKey;
  continuationToken?: string;
}

export interface JobArtifact {
  name: string;
  location: { type: 'S3'; s3Location: { bucketName: string; objectKey: string } };
}

/** PollForJobs' Job; GetJobDetails' JobDetails is the same without the nonce. */
export interface Job {
  id: string;
  data: JobData;
  nonce: string;
  accountId: string;
}

export interface PollForJobsRequest {
  actionTypeId: ActionTypeId;
  maxBatchSize?: number;
  queryParam?: Record<string, string>;
}

export interface PutJobSuccessRequest {
  jobId: string;
  currentRevision?: unknown;
  continuationToken?: string;
  executionDetails?: { summary?: string; externalExecutionId?: string; percentComplete?: number };
  outputVariables?: Record<string, string>;
}

export interface PutJobFailureRequest {
  jobId: string;
  failureDetails: { type: string; message: string; externalExecutionId?: string };
}

/**
 * CodePipeline's job-worker API for custom action types: a type is registered, its actions queue
 * jobs, and a worker polls for them, acknowledges one, and reports its success or failure.
 *
 * @example
 * const [job] = await api.pollForJobs({ actionTypeId: { category: 'Build', owner: 'Custom', provider: 'MyTool', version: '1' } });
 * await api.acknowledgeJob(job.id, job.nonce);
 * await api.putJobSuccessResult({ jobId: job.id, outputVariables: { ImageTag: 'v1' } });
 */
export interface JobWorkerApi {
  createCustomActionType(input: unknown): Promise<CustomActionTypeRecord>;
  deleteCustomActionType(id: unknown): Promise<void>;
  /** The registered custom types (owner Custom), for ListActionTypes and GetActionType. */
  listCustomActionTypes(): Promise<CustomActionTypeRecord[]>;
  pollForJobs(request: PollForJobsRequest): Promise<Job[]>;
  acknowledgeJob(jobId: string, nonce: string): Promise<JobStatus>;
  getJobDetails(jobId: string): Promise<Omit<Job, 'nonce'>>;
  putJobSuccessResult(request: PutJobSuccessRequest): Promise<void>;
  putJobFailureResult(request: PutJobFailureRequest): Promise<void>;
}

/** Whether an API serves the job-worker API: the operations on the stores do, a client of another process's JSON routes does not. */
export function isJobWorker(api: object): api is JobWorkerApi {
  return 'pollForJobs' in api;
}

/** PollForJobs hands out at most this many jobs at once, whatever maxBatchSize asks. */
const MAX_BATCH = 100;

const CustomTypeIdSchema = ActionTypeIdSchema.omit({ owner: true });

const FAILURE_TYPES = ['JobFailed', 'ConfigurationError', 'PermissionError', 'RevisionOutOfSync', 'RevisionUnavailable', 'SystemUnavailable'] as const;

const SuccessSchema = z.strictObject({
  jobId: z.string(),
  currentRevision: z.unknown().optional(),
  continuationToken: z.string().min(1).max(2048, { error: 'continuationToken is at most 2048 characters' }).optional(),
  executionDetails: z
    .strictObject({
      summary: z.string().min(1).max(2048, { error: 'executionDetails.summary is at most 2048 characters' }).optional(),
      externalExecutionId: z.string().min(1).max(1500).optional(),
      percentComplete: z.number().int().min(0).max(100, { error: 'executionDetails.percentComplete must be from 0 to 100' }).optional(),
    })
    .optional(),
  outputVariables: z.record(z.string(), z.string(), { error: 'outputVariables must be a map of strings to strings' }).optional(),
});

const FailureSchema = z.strictObject({
  jobId: z.string(),
  failureDetails: z.strictObject({
    type: z.enum(FAILURE_TYPES, { error: `failureDetails.type must be one of ${FAILURE_TYPES.join(', ')}` }),
    message: z.string().min(1, { error: 'failureDetails.message must not be empty' }).max(5000, { error: 'failureDetails.message is at most 5000 characters' }),
    externalExecutionId: z.string().min(1).max(1500).optional(),
  }),
});

/** The job-worker API on the stores: one implementation for the CLI, the HTTP API and the wire. */
export class JobWorkerOperations implements JobWorkerApi {
  constructor(protected readonly deps: JobDependencies) {}

  async createCustomActionType(input: unknown): Promise<CustomActionTypeRecord> {
    const parsed: CustomActionTypeInput = parseOrRefuse(CustomActionTypeSchema, input, 'CreateCustomActionType');
    const { category, provider, version, tags, settings } = parsed;
    if (providerCatalog.has(providerKey({ category, owner: 'Custom', provider }))) {
      throw new ValidationError(`${category}/Custom/${provider} is one of Sluice's own action providers: give the custom action type another provider name.`);
    }
    const record: CustomActionTypeRecord = {
      id: { category, provider, version },
      ...(settings ? { settings } : {}),
      configurationProperties: parsed.configurationProperties ?? [],
      inputArtifactDetails: parsed.inputArtifactDetails,
      outputArtifactDetails: parsed.outputArtifactDetails,
      ...(tags ? { tags } : {}),
      created: this.deps.clock().toISOString(),
    };
    if (!(await this.deps.customActions.createActionType(record))) {
      const existing = await this.deps.customActions.getActionType(record.id);
      throw new ValidationError(
        existing?.deletedAt
          ? `Custom action type ${describeCustomType(record.id)} was deleted at ${existing.deletedAt}; as in CodePipeline, a deleted version cannot be created again. Create a new version.`
          : `Custom action type ${describeCustomType(record.id)} already exists. Create a new version to change it.`,
      );
    }
    return record;
  }

  async deleteCustomActionType(id: unknown): Promise<void> {
    const parsed = parseOrRefuse(CustomTypeIdSchema, id, 'DeleteCustomActionType');
    if (!(await this.deps.customActions.deleteActionType(parsed, this.deps.clock().toISOString()))) {
      throw new ValidationError(`There is no custom action type ${describeCustomType(parsed)} to delete.`);
    }
  }

  listCustomActionTypes(): Promise<CustomActionTypeRecord[]> {
    return this.deps.customActions.listActionTypes();
  }

  async pollForJobs(request: PollForJobsRequest): Promise<Job[]> {
    const type = await this.activeType(request.actionTypeId);
    const maxBatchSize = request.maxBatchSize ?? 1;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new ValidationError('maxBatchSize must be a whole number of at least 1.');
    const match = queryMatch(type, request.queryParam ?? {});
    const jobs: Job[] = [];
    for (const queued of await this.deps.customActions.listQueuedJobs(type.id, MAX_BATCH)) {
      if (jobs.length >= Math.min(maxBatchSize, MAX_BATCH)) break;
      if ((await expireJobIfDue(this.deps, queued)).status !== 'Queued' || !match(queued)) continue;
      if (!(await this.actionWaits(queued))) {
        // Its execution was stopped, or failed elsewhere: no worker is given a job nobody waits for.
        await this.deps.customActions.moveJob(queued.jobId, ['Queued'], 'Failed');
        continue;
      }
      // Of two workers polling at once, only one dispatches a job: the other's write finds it Dispatched.
      const dispatched = await this.deps.customActions.moveJob(queued.jobId, ['Queued'], 'Dispatched', { nonce: this.deps.newSecret() });
      if (dispatched) jobs.push({ ...this.details(dispatched), nonce: dispatched.nonce });
    }
    return jobs;
  }

  async acknowledgeJob(jobId: string, nonce: string): Promise<JobStatus> {
    const job = await this.currentJob(jobId);
    if (job.status === 'Queued' || job.nonce !== nonce) {
      throw new InvalidNonceError(`The nonce does not match job ${jobId}: use the nonce that PollForJobs returned with the job.`);
    }
    if (job.status !== 'Dispatched') return job.status;
    const acknowledged = await this.deps.customActions.moveJob(jobId, ['Dispatched'], 'InProgress');
    return (acknowledged ?? (await this.currentJob(jobId))).status;
  }

  async getJobDetails(jobId: string): Promise<Omit<Job, 'nonce'>> {
    return this.details(await this.currentJob(jobId));
  }

  async putJobSuccessResult(request: PutJobSuccessRequest): Promise<void> {
    const input = parseOrRefuse(SuccessSchema, request, 'PutJobSuccessResult');
    if (input.currentRevision !== undefined) {
      throw new ValidationError('currentRevision is not supported: Sluice records no source revision from a job worker. Leave it out.');
    }
    if (input.continuationToken && input.outputVariables) {
      throw new ValidationError('outputVariables can be given only with the final result, without a continuationToken.');
    }
    const job = await this.inProgressJob(input.jobId);
    const claimed = await this.deps.customActions.moveJob(job.jobId, ['InProgress'], 'Succeeded');
    if (!claimed) throw await this.notInProgress(job.jobId);
    const details = input.executionDetails ?? {};
    if (input.continuationToken) {
      // As in CodePipeline, the action goes on with a new job that carries the token, and waits on.
      // A Lambda function is started again with it, and has its whole reply time again.
      const now = this.deps.clock();
      const next: JobRecord = {
        ...claimed,
        jobId: this.deps.newId(),
        nonce: this.deps.newSecret(),
        status: claimed.lambda ? 'InProgress' : 'Queued',
        continuationToken: input.continuationToken,
        createdAt: now.toISOString(),
        ...(claimed.lambda ? { expiresAt: new Date(now.getTime() + (await lambdaReplySeconds(this.deps)) * 1000).toISOString() } : {}),
      };
      delete next.continuedAs;
      await this.deps.customActions.createJob(next);
      await this.deps.customActions.moveJob(job.jobId, ['Succeeded'], 'Succeeded', { continuedAs: next.jobId });
      if (next.lambda) await startJobFunction(this.deps, next);
      return;
    }
    const told = await endClaimedJob(this.deps, claimed, {
      success: {
        outputVariables: input.outputVariables ?? {},
        ...(details.summary ? { summary: details.summary } : {}),
        ...(details.externalExecutionId ? { externalExecutionId: details.externalExecutionId } : {}),
      },
    });
    if (!told) throw stoppedWaiting(job);
  }

  async putJobFailureResult(request: PutJobFailureRequest): Promise<void> {
    const input = parseOrRefuse(FailureSchema, request, 'PutJobFailureResult');
    const job = await this.inProgressJob(input.jobId);
    const claimed = await this.deps.customActions.moveJob(job.jobId, ['InProgress'], 'Failed', { failureDetails: input.failureDetails });
    if (!claimed) throw await this.notInProgress(job.jobId);
    const told = await endClaimedJob(this.deps, claimed, { failure: new ActionFailedError(input.failureDetails.message) });
    if (!told) throw stoppedWaiting(job);
  }

  /** The registered, undeleted custom type that a worker names. */
  private async activeType(id: ActionTypeId): Promise<CustomActionTypeRecord> {
    const parsed = parseOrRefuse(ActionTypeIdSchema, id, 'actionTypeId');
    const type = parsed.owner === 'Custom' ? await this.deps.customActions.getActionType(parsed) : undefined;
    if (!type || type.deletedAt) {
      throw new ActionTypeNotFoundError(
        `There is no custom action type ${parsed.category}/${parsed.owner}/${parsed.provider}/${parsed.version}: workers poll for types that CreateCustomActionType registered (owner Custom).`,
      );
    }
    return type;
  }

  /** Whether the job's action still runs, waiting on the job. */
  private async actionWaits(job: JobRecord): Promise<boolean> {
    const actions = await this.deps.store.listActions(job.pipelineExecutionId);
    return actions.some((action) => action.actionExecutionId === job.actionExecutionId && action.status === 'InProgress');
  }

  /** The job, timed out first if its time has passed. */
  private async currentJob(jobId: string): Promise<JobRecord> {
    const job = await this.deps.customActions.getJob(jobId);
    if (!job) throw new JobNotFoundError(`There is no job ${jobId}. PollForJobs hands out the jobs there are.`);
    return expireJobIfDue(this.deps, job);
  }

  private async inProgressJob(jobId: string): Promise<JobRecord> {
    const job = await this.currentJob(jobId);
    if (job.status !== 'InProgress') throw stateError(job);
    return job;
  }

  private async notInProgress(jobId: string): Promise<InvalidJobStateError> {
    return stateError(await this.currentJob(jobId));
  }

  private details(job: JobRecord): Omit<Job, 'nonce'> {
    const pipelineArn = this.deps.pipelineArn(job.pipelineName);
    const artifact = ({ name, location }: JobRecord['inputArtifacts'][number]): JobArtifact => ({
      name,
      location: { type: 'S3', s3Location: { bucketName: location.bucketName, objectKey: location.objectKey } },
    });
    return {
      id: job.jobId,
      accountId: pipelineArn.split(':')[4] ?? '',
      data: {
        actionTypeId: { ...job.actionTypeId, owner: job.lambda ? 'AWS' : 'Custom' },
        actionConfiguration: { configuration: job.actionConfiguration },
        pipelineContext: {
          pipelineName: job.pipelineName,
          stage: { name: job.stageName },
          action: { name: job.actionName, actionExecutionId: job.actionExecutionId },
          pipelineArn,
          pipelineExecutionId: job.pipelineExecutionId,
        },
        inputArtifacts: job.inputArtifacts.map(artifact),
        outputArtifacts: job.outputArtifacts.map(artifact),
        ...(job.encryptionKey ? { encryptionKey: job.encryptionKey } : {}),
        ...(job.continuationToken ? { continuationToken: job.continuationToken } : {}),
      },
    };
  }
}

/** Only jobs whose configuration holds the queryable property's value; PollForJobs must name it when the type has one. */
function queryMatch(type: CustomActionTypeRecord, queryParam: Record<string, string>): (job: JobRecord) => boolean {
  const queryable = type.configurationProperties.find((property) => property.queryable);
  const entries = Object.entries(queryParam);
  if (entries.length > 1) throw new ValidationError('queryParam takes at most one property.');
  if (!queryable) {
    if (entries.length > 0) throw new ValidationError(`${describeCustomType(type.id)} has no queryable property: leave queryParam out.`);
    return () => true;
  }
  const [entry] = entries;
  if (!entry || entry[0] !== queryable.name) {
    throw new ValidationError(`${describeCustomType(type.id)} has the queryable property ${queryable.name}: give it in queryParam.`);
  }
  return (job) => job.actionConfiguration[queryable.name] === entry[1];
}

function stateError(job: JobRecord): InvalidJobStateError {
  const finished = !OPEN_JOB_STATUSES.includes(job.status);
  return new InvalidJobStateError(
    finished
      ? `Job ${job.jobId} is ${job.status}: its result can no longer be reported.`
      : `Job ${job.jobId} is ${job.status}: acknowledge it (AcknowledgeJob, with the nonce PollForJobs gave) before reporting its result.`,
  );
}

function stoppedWaiting(job: JobRecord): InvalidJobStateError {
  return new InvalidJobStateError(`Job ${job.jobId} has timed out: its action no longer waits for it (it timed out, or its execution ended).`);
}

/**
 * The provider catalog a declaration is validated against: `base`, plus the custom types that its
 * Custom actions name, as registered. An action of a type that is not registered (or was deleted)
 * is refused here, naming it, as CodePipeline does.
 */
export async function catalogWithCustomTypes(
  deps: Pick<JobDependencies, 'customActions'>,
  declaration: unknown,
  base: ProviderCatalog,
): Promise<ProviderCatalog> {
  const catalog = new Map(base);
  const stages = isRecord(declaration) && Array.isArray(declaration.stages) ? declaration.stages : [];
  for (const [stageIndex, stage] of stages.entries()) {
    const actions = isRecord(stage) && Array.isArray(stage.actions) ? stage.actions : [];
    for (const [actionIndex, action] of actions.entries()) {
      const id = ActionTypeIdSchema.safeParse(isRecord(action) ? action.actionTypeId : undefined);
      // Sluice's own providers include one of owner Custom (Custom/Git), which no registered type can shadow.
      if (!id.success || id.data.owner !== 'Custom' || base.has(providerKey(id.data))) continue;
      const type = await deps.customActions.getActionType(id.data);
      if (!type || type.deletedAt) {
        const name = isRecord(action) && typeof action.name === 'string' ? action.name : `#${actionIndex + 1}`;
        throw new InvalidActionDeclarationError(
          `stages[${stageIndex}].actions[${actionIndex}] (${name}): there is no custom action type ${describeCustomType(id.data)}${type ? ' (it was deleted)' : ''}. Register it with CreateCustomActionType first.`,
        );
      }
      catalog.set(providerKey({ ...type.id, owner: 'Custom' }), customActionSpec(type));
    }
  }
  return catalog;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
