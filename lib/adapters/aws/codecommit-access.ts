import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentials, CodeCommitAccess } from '../../ports/codecommit-access';

const isChina = (region: string) => region.startsWith('cn-');

/** CodeCommit's git URL of a repository, as `git-remote-codecommit` clones it; China's regions are under amazonaws.com.cn. */
export function codeCommitRepositoryUrl(region: string, name: string): string {
  return `https://git-codecommit.${region}.${isChina(region) ? 'amazonaws.com.cn' : 'amazonaws.com'}/v1/repos/${encodeURIComponent(name)}`;
}

function partitionOf(region: string): string {
  if (isChina(region)) return 'aws-cn';
  return region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
}

export interface AwsCodeCommitOptions {
  region: string;
  /** Whose credentials these are, as a refusal's message names them. */
  identity: string;
  /** The account of the repositories where it is known; the repository's ARN has IAM's `*` otherwise. */
  accountId?: string;
  /** The SDK's default chain (environment, SSO, profiles, container and instance roles) unless given. */
  credentials?: () => Promise<AwsCredentials>;
}

/** CodeCommit's git endpoint in one region, with credentials from the SDK's chain. */
export function awsCodeCommitAccess(options: AwsCodeCommitOptions): CodeCommitAccess {
  const { region, identity, accountId = '*', credentials = defaultProvider() } = options;
  return {
    region,
    identity,
    repositoryUrl: (name) => codeCommitRepositoryUrl(region, name),
    repositoryArn: (name) => `arn:${partitionOf(region)}:codecommit:${region}:${accountId}:${name}`,
    credentials,
  };
}
