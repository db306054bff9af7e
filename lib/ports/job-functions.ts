import type { ArtifactCredentialsValue } from './artifact-credentials';
import type { AwsTarget } from './aws-clients';
import type { JobEncryptionKey } from './custom-action-store';

/** One artifact of a Lambda invoke action's job, where it is in the artifact bucket. */
export interface LambdaJobArtifact {
  name: string;
  revision: string | null;
  location: { type: 'S3'; s3Location: { bucketName: string; objectKey: string } };
}

/**
 * What CodePipeline hands a Lambda invoke action's function: the job, with the action's
 * configuration, its artifacts' locations, credentials for them, and the continuation token that
 * the function's previous job of the same action reported, if any.
 */
export interface LambdaJobEvent {
  'CodePipeline.job': {
    id: string;
    accountId: string;
    data: {
      actionConfiguration: { configuration: Record<string, string> };
      inputArtifacts: LambdaJobArtifact[];
      outputArtifacts: LambdaJobArtifact[];
      artifactCredentials?: ArtifactCredentialsValue;
      /** The artifact store's KMS key, to encrypt output artifacts with. */
      encryptionKey?: JobEncryptionKey;
      continuationToken?: string;
    };
  };
}

/**
 * The functions of Lambda invoke actions. A function is started with its job's event and does not
 * answer: it reports the job's result to CodePipeline's API (PutJobSuccessResult or
 * PutJobFailureResult), as it does on AWS.
 */
export interface JobFunctions {
  /** Starts the function (Lambda's InvocationType Event); rejects when it cannot be started, such as when there is no such function. */
  start(functionName: string, event: LambdaJobEvent, target: AwsTarget): Promise<void>;
  /**
   * Ends what still runs of the function started for this job, where it runs on this machine: its
   * action no longer waits for it (it reported, timed out, or was stopped). A function on AWS runs on.
   */
  end?(jobId: string): Promise<void>;
}
