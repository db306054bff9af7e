import type { CustomActionTypeId, CustomActionTypeRecord } from '../core/custom-action-types';
import type { ArtifactLocation } from '../core/task-payloads';

/**
 * CodePipeline's JobStatus. Queued: waiting for a worker to poll; Dispatched: handed to a worker
 * with its nonce; InProgress: acknowledged; then Succeeded, Failed or TimedOut.
 */
export type JobStatus = 'Queued' | 'Dispatched' | 'InProgress' | 'Succeeded' | 'Failed' | 'TimedOut';

/** One job of a custom action: what a worker polls for, and the task token its action waits on. */
/** CodePipeline's EncryptionKey: an artifact store's KMS key, by its id or ARN or alias. */
export interface JobEncryptionKey {
  id: string;
  type: 'KMS';
}

export interface JobRecord {
  jobId: string;
  /** Changes each time the job is dispatched: only the worker that polled it can acknowledge it. */
  nonce: string;
  status: JobStatus;
  /** The engine's task token; it never leaves the server. */
  taskToken: string;
  actionTypeId: CustomActionTypeId;
  pipelineName: string;
  pipelineVersion: number;
  pipelineExecutionId: string;
  stageName: string;
  actionName: string;
  actionExecutionId: string;
  /** The action's configuration, its variables resolved. */
  actionConfiguration: Record<string, string>;
  inputArtifacts: { name: string; location: ArtifactLocation }[];
  outputArtifacts: { name: string; location: ArtifactLocation }[];
  /** The artifact store's KMS key, which the worker or function encrypts output artifacts with, as CodePipeline's JobData names it. */
  encryptionKey?: JobEncryptionKey;
  /**
   * The function that does the job of a Lambda invoke action, in the action's region, as its role:
   * it is started with each of the action's jobs, which are never queued for PollForJobs.
   */
  lambda?: { functionName: string; region?: string; roleArn?: string };
  /** What the worker's PutJobSuccessResult gave to the job before this one, for the same action. */
  continuationToken?: string;
  /** The job queued after this one, when the worker's success carried a continuation token. */
  continuedAs?: string;
  /** What the worker's PutJobFailureResult said. */
  failureDetails?: { type: string; message: string; externalExecutionId?: string };
  createdAt: string;
  /** When the job fails with TimedOut if no worker has finished it. */
  expiresAt: string;
}

export interface CustomActionStore {
  /** Records a new type; false when one with the same category, provider and version exists, or existed. */
  createActionType(record: CustomActionTypeRecord): Promise<boolean>;
  /** The type, deleted or not. */
  getActionType(id: CustomActionTypeId): Promise<CustomActionTypeRecord | undefined>;
  /** The types that are not deleted. */
  listActionTypes(): Promise<CustomActionTypeRecord[]>;
  /** Marks a type deleted; false when there was none, or it was deleted already. */
  deleteActionType(id: CustomActionTypeId, deletedAt: string): Promise<boolean>;

  createJob(record: JobRecord): Promise<void>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  /** The queued jobs of a type, oldest first. */
  listQueuedJobs(id: CustomActionTypeId, limit: number): Promise<JobRecord[]>;
  /**
   * Moves a job from one of `from` to `to`, with the fields given: one conditional write, so that
   * of two workers only one wins. Returns the record afterwards, or undefined when the job was not in `from`.
   */
  moveJob(
    jobId: string,
    from: readonly JobStatus[],
    to: JobStatus,
    fields?: Partial<Pick<JobRecord, 'nonce' | 'continuedAs' | 'failureDetails'>>,
  ): Promise<JobRecord | undefined>;
  /** Deletes a job, with its execution; one that is not there is no error. */
  deleteJob(jobId: string): Promise<void>;
}
