import type {
  AcknowledgeJobInput,
  AcknowledgeJobOutput,
  ActionType,
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
import type { CustomActionTypeRecord } from '../../core/custom-action-types';
import type { JobWorkerApi } from '../../operations/job-worker-api';

/** A registered custom type in the model's ActionType shape, as CreateCustomActionType and ListActionTypes answer. */
export function customActionType(record: CustomActionTypeRecord): ActionType {
  return {
    id: { ...record.id, owner: 'Custom' },
    ...(record.settings ? { settings: record.settings } : {}),
    actionConfigurationProperties: record.configurationProperties,
    inputArtifactDetails: record.inputArtifactDetails,
    outputArtifactDetails: record.outputArtifactDetails,
  };
}

/** The job-worker operations of CodePipeline's protocol; the operations themselves validate their input. */
export const JOB_OPERATIONS = {
  CreateCustomActionType: async (api: JobWorkerApi, input: CreateCustomActionTypeInput): Promise<CreateCustomActionTypeOutput> => {
    const record = await api.createCustomActionType(input);
    return { actionType: customActionType(record), ...(record.tags ? { tags: record.tags } : {}) };
  },
  DeleteCustomActionType: async (api: JobWorkerApi, input: DeleteCustomActionTypeInput): Promise<Record<string, never>> => {
    await api.deleteCustomActionType(input);
    return {};
  },
  PollForJobs: async (api: JobWorkerApi, input: PollForJobsInput): Promise<PollForJobsOutput> => ({
    jobs: await api.pollForJobs(input as Parameters<JobWorkerApi['pollForJobs']>[0]),
  }),
  AcknowledgeJob: async (api: JobWorkerApi, input: AcknowledgeJobInput): Promise<AcknowledgeJobOutput> => ({
    status: await api.acknowledgeJob(input.jobId ?? '', input.nonce ?? ''),
  }),
  GetJobDetails: async (api: JobWorkerApi, input: GetJobDetailsInput): Promise<GetJobDetailsOutput> => ({
    jobDetails: await api.getJobDetails(input.jobId ?? ''),
  }),
  PutJobSuccessResult: async (api: JobWorkerApi, input: PutJobSuccessResultInput): Promise<Record<string, never>> => {
    await api.putJobSuccessResult(input as Parameters<JobWorkerApi['putJobSuccessResult']>[0]);
    return {};
  },
  PutJobFailureResult: async (api: JobWorkerApi, input: PutJobFailureResultInput): Promise<Record<string, never>> => {
    await api.putJobFailureResult(input as Parameters<JobWorkerApi['putJobFailureResult']>[0]);
    return {};
  },
};
