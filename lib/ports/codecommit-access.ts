/** An AWS access key, with the session token that temporary credentials carry. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Sluice's access to CodeCommit's git endpoint, which CodeCommit source actions clone from.
 *
 * @example
 * const codeCommit: CodeCommitAccess = {
 *   region: 'eu-west-1',
 *   repositoryUrl: (name) => `https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/${name}`,
 *   repositoryArn: (name) => `arn:aws:codecommit:eu-west-1:123456789012:${name}`,
 *   identity: 'sluice-prod-ActionRunnerRole-1A2B3C',
 *   credentials: async () => ({ accessKeyId: 'AKIA...', secretAccessKey: '...' }),
 * };
 */
export interface CodeCommitAccess {
  /** The region of the repositories, which git credentials are signed for. */
  region: string;
  /** The repository's git URL: `https://git-codecommit.<region>.amazonaws.com/v1/repos/<name>`. */
  repositoryUrl(name: string): string;
  /** The repository as an IAM policy names it, for the message when CodeCommit refuses access. */
  repositoryArn(name: string): string;
  /** Whose credentials these are (the function's role on AWS), for the same message. */
  identity: string;
  /** Read for each clone, so that temporary credentials are fresh. */
  credentials(): Promise<AwsCredentials>;
}
