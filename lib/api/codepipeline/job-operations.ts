import type {
  AcknowledgeJobInput,
  AcknowledgeJobOutput,
  CreateCustomActionTypeInput,
  CreateCustomActionTypeOutput,
  DeleteCustomActionTypeInput,
  GetJobDetailsInput,
  GetJobDetailsOutput,
  PollForJobsInput,
  PollForJobsOutput,
  PutJobFailureResultInput,
  PutJobSuccessResultInput,
} from '@aws-sdk/client-codepipeline';
import { ConflictError } from '../../core/errors';
import { customActionTypeDescription } from '../../operations/action-types';
import { isJobWorker, type JobWorkerApi } from '../../operations/job-worker-api';
import type { SluiceApi } from '../../operations/sluice-api';
import { wireActionType } from './run-operations';

/** The job-worker API behind `api`: the operations on the stores, which a process serving the protocol has. */
function worker(api: SluiceApi): JobWorkerApi {
  if (!isJobWorker(api)) throw new ConflictError('This API does not serve the job-worker operations: send them to sluice serve, or to the stack on AWS.');
  return api;
}

/** The job-worker operations of CodePipeline's protocol; the operations themselves validate their input. */
export const JOB_OPERATIONS = {
  CreateCustomActionType: async (api: SluiceApi, input: CreateCustomActionTypeInput): Promise<CreateCustomActionTypeOutput> => {
    const record = await worker(api).createCustomActionType(input);
    return { actionType: wireActionType(customActionTypeDescription(record)), ...(record.tags ? { tags: record.tags } : {}) };
  },
  DeleteCustomActionType: async (api: SluiceApi, input: DeleteCustomActionTypeInput): Promise<Record<string, never>> => {
    await worker(api).deleteCustomActionType(input);
    return {};
  },
  PollForJobs: async (api: SluiceApi, input: PollForJobsInput): Promise<PollForJobsOutput> => ({
    jobs: await worker(api).pollForJobs(input as Parameters<JobWorkerApi['pollForJobs']>[0]),
  }),
  AcknowledgeJob: async (api: SluiceApi, input: AcknowledgeJobInput): Promise<AcknowledgeJobOutput> => ({
    status: await worker(api).acknowledgeJob(input.jobId ?? '', input.nonce ?? ''),
  }),
  GetJobDetails: async (api: SluiceApi, input: GetJobDetailsInput): Promise<GetJobDetailsOutput> => ({
    jobDetails: await worker(api).getJobDetails(input.jobId ?? ''),
  }),
  PutJobSuccessResult: async (api: SluiceApi, input: PutJobSuccessResultInput): Promise<Record<string, never>> => {
    await worker(api).putJobSuccessResult(input as Parameters<JobWorkerApi['putJobSuccessResult']>[0]);
    return {};
  },
  PutJobFailureResult: async (api: SluiceApi, input: PutJobFailureResultInput): Promise<Record<string, never>> => {
    await worker(api).putJobFailureResult(input as Parameters<JobWorkerApi['putJobFailureResult']>[0]);
    return {};
  },
};
