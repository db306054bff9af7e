import type { SessionPolicy } from '../core/artifact-session-policy';
import type { AwsCredentials } from './aws-clients';

/** Credentials as a job's event or JobData hands them. */
export type ArtifactCredentialsValue = Pick<AwsCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>;

/** What one job's credentials may reach, and for how long. */
export interface JobArtifactAccess {
  /** Names the session, so that the job shows in what the credentials do (CloudTrail, S3's logs). */
  jobId: string;
  /** What the credentials reach; undefined when the job has no artifacts. */
  policy: SessionPolicy | undefined;
  durationSeconds: number;
}

/**
 * Hands a job's function or worker credentials for its artifacts, as CodePipeline's
 * artifactCredentials: on AWS, a session of the artifact access role narrowed to the job's
 * objects; locally, the installation's credentials for the embedded S3's signed endpoint.
 */
export interface ArtifactCredentials {
  /** The job's credentials; undefined where there are none to hand. */
  forJob(access: JobArtifactAccess): Promise<ArtifactCredentialsValue | undefined>;
}
