import { SecretsManagerSecret } from '../adapters/aws/secrets-manager-secret';
import { ConfiguredRepositoryHosts } from '../adapters/git-hosts/configured-hosts';
import { parseConnections } from '../core/connection-hosts';
import type { RepositoryHosts } from '../ports/repository-host';
import { awsEnvironment, ENVIRONMENT_VARIABLES, functionRole, HOST_VARIABLES } from './aws-environment';
import { functionSecretsManager } from './aws-function-clients';

let repositoryHosts: RepositoryHosts | undefined;

/** Which host each connection reaches: the stack's `connections` parameter. */
export const awsConnections = async () =>
  parseConnections(process.env[HOST_VARIABLES.connections], `The stack's connections parameter (${HOST_VARIABLES.connections})`);

/**
 * The repository hosts, each read with the token in the stack's secret for its family; while a
 * secret holds its placeholder, reading it says how to set one. The connections are parsed once
 * per container: a bad `connections` parameter fails the first action or status that needs it.
 */
export function awsRepositoryHosts(): RepositoryHosts {
  if (!repositoryHosts) {
    const secret = (arn: string | undefined, holds: string) => {
      if (!arn) return undefined;
      const stored = new SecretsManagerSecret(functionSecretsManager(), arn, { holds, ...functionRole() });
      return () => stored.required();
    };
    const tokens = {
      GitHub: secret(awsEnvironment().gitHubTokenSecretArn, 'GitHub token'),
      Bitbucket: secret(process.env[HOST_VARIABLES.bitbucketTokenSecretArn], 'Bitbucket token'),
      GitLab: secret(process.env[HOST_VARIABLES.gitLabTokenSecretArn], 'GitLab token'),
    };
    const missingSecret = (name: string) => `${name} is not set on this function; serverless.yml sets it on every Sluice function`;
    repositoryHosts = new ConfiguredRepositoryHosts({
      connections: awsConnections,
      tokens: Object.fromEntries(Object.entries(tokens).filter(([, token]) => token)),
      publicApiUrls: { GitHub: awsEnvironment().gitHubApiUrl },
      tokenSources: {
        GitHub: missingSecret(ENVIRONMENT_VARIABLES.gitHubTokenSecretArn),
        Bitbucket: missingSecret(HOST_VARIABLES.bitbucketTokenSecretArn),
        GitLab: missingSecret(HOST_VARIABLES.gitLabTokenSecretArn),
      },
    });
  }
  return repositoryHosts;
}
