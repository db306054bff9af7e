import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { ArtifactCredentials, ArtifactCredentialsValue, JobArtifactAccess } from '../../ports/artifact-credentials';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/**
 * A job's artifact credentials on AWS: a session of the stack's artifact access role, which only
 * the job request function (it starts Lambda invoke actions' functions) may assume, narrowed by
 * the job's session policy to the job's objects.
 */
export class StsArtifactCredentials implements ArtifactCredentials {
  constructor(
    private readonly sts: STSClient,
    private readonly roleArn: string,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  async forJob({ jobId, policy, durationSeconds }: JobArtifactAccess): Promise<ArtifactCredentialsValue | undefined> {
    if (!policy) return undefined;
    const { Credentials: credentials } = await withAccessExplained({ action: 'sts:AssumeRole', resource: this.roleArn, role: this.options.roleName }, () =>
      this.sts.send(
        new AssumeRoleCommand({
          RoleArn: this.roleArn,
          // STS takes at most 64 characters of [\w+=,.@-]: a job id is a UUID.
          RoleSessionName: `sluice-job-${jobId}`.slice(0, 64),
          Policy: JSON.stringify(policy),
          DurationSeconds: durationSeconds,
        }),
      ),
    );
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey) throw new Error(`STS AssumeRole of ${this.roleArn} returned no credentials.`);
    return { accessKeyId: credentials.AccessKeyId, secretAccessKey: credentials.SecretAccessKey, sessionToken: credentials.SessionToken };
  }
}
