import type { CustomActionTypeId } from '../core/custom-action-types';
import type { ActionTypeId } from '../core/declaration';
import type { JobRecord } from '../ports/custom-action-store';
import type { LambdaJobEvent } from '../ports/job-functions';
import type { ActionProvider } from './action-provider';
import type { ProviderSpec } from '../core/providers';

/**
 * How long CodePipeline waits for a function's next report (a result, or a success with a
 * continuation token, which restarts the wait) before the action times out: 20 minutes.
 */
export const LAMBDA_REPLY_TIMEOUT_SECONDS = 20 * 60;

export const lambdaInvokeSpec: ProviderSpec = {
  category: 'Invoke',
  owner: 'AWS',
  provider: 'Lambda',
  version: '1',
  description: 'Invokes a Lambda function with the job, which it reports with PutJobSuccessResult or PutJobFailureResult.',
  configuration: [
    { name: 'FunctionName', required: true, description: 'The function to invoke.' },
    { name: 'UserParameters', required: false, description: 'A string passed to the function.' },
  ],
  inputArtifacts: { min: 0, max: 5 },
  outputArtifacts: { min: 0, max: 5 },
  outputVariables: 'open',
  runtimes: ['aws', 'local'],
  awsServices: ['lambda'],
  integration: 'lambda-job',
  // A function that runs from a handler file here is started without AWS.
  callsAws: ({ FunctionName: functionName }, { handlerFunctions }) => !handlerFunctions?.includes(functionName ?? ''),
  // The function's own invocation and duration are its own cost, as on CodePipeline.
  cost: { pricedAs: 'wait' },
  iam: [{ actions: ['lambda:InvokeFunction'], resources: ['arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*'] }],
};

export const lambdaInvoke: ActionProvider = {
  spec: lambdaInvokeSpec,
};

/** The type a Lambda invoke action's jobs are recorded under; they are never queued for PollForJobs. */
export const LAMBDA_JOB_TYPE: CustomActionTypeId = { category: 'Invoke', provider: 'Lambda', version: '1' };

export function isLambdaInvoke(id: ActionTypeId): boolean {
  const { spec } = lambdaInvoke;
  return id.category === spec.category && id.owner === spec.owner && id.provider === spec.provider;
}

/** The event that a Lambda job's function receives, in CodePipeline's shape. */
export function lambdaJobEvent(
  job: JobRecord,
  accountId: string,
  credentials?: LambdaJobEvent['CodePipeline.job']['data']['artifactCredentials'],
): LambdaJobEvent {
  const artifact = ({ name, location }: JobRecord['inputArtifacts'][number]) => ({
    name,
    revision: null,
    location: { type: 'S3' as const, s3Location: { bucketName: location.bucketName, objectKey: location.objectKey } },
  });
  return {
    'CodePipeline.job': {
      id: job.jobId,
      accountId,
      data: {
        actionConfiguration: { configuration: job.actionConfiguration },
        inputArtifacts: job.inputArtifacts.map(artifact),
        outputArtifacts: job.outputArtifacts.map(artifact),
        ...(credentials ? { artifactCredentials: credentials } : {}),
        ...(job.encryptionKey ? { encryptionKey: job.encryptionKey } : {}),
        ...(job.continuationToken ? { continuationToken: job.continuationToken } : {}),
      },
    },
  };
}
