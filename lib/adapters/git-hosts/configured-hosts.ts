import { connectionHost, describeHost, HOST_FAMILIES, hostApiUrl, type Connections, type HostFamily, type HostType } from '../../core/connection-hosts';
import { BadInputError } from '../../core/errors';
import type { CommitStatus } from '../../ports/commit-status';
import type { HostAccess, RepositoryHost, RepositoryHosts } from '../../ports/repository-host';
import { BitbucketHost } from './bitbucket-host';
import { GitHubHost } from './github-host';
import { GitLabHost } from './gitlab-host';

/** What the installation says of its connections and tokens. */
export interface RepositoryHostSettings {
  /** Read for each connection, so that a changed setting applies at once. */
  connections: () => Promise<Connections>;
  /** The token of each host family that has one: a self-managed server is read with its family's token. */
  tokens: Partial<Record<HostFamily, () => Promise<string>>>;
  /** Where the public APIs are, where not at their usual addresses. */
  publicApiUrls?: Partial<Record<HostFamily, string>>;
  /** Where each family's token is set, for the error that says none is. */
  tokenSources: Record<HostFamily, string>;
}

/** The adapter of each host type. */
const ADAPTERS = new Map<HostType, new (name: string, access: HostAccess) => RepositoryHost>([
  ['GitHub', GitHubHost],
  ['GitHubEnterpriseServer', GitHubHost],
  ['Bitbucket', BitbucketHost],
  ['GitLab', GitLabHost],
  ['GitLabSelfManaged', GitLabHost],
]);

/** The hosts of connections, as the installation's settings map them, each read with its family's token. */
export class ConfiguredRepositoryHosts implements RepositoryHosts {
  constructor(private readonly settings: RepositoryHostSettings) {}

  async forConnection(connectionArn: string | undefined): Promise<RepositoryHost> {
    const host = connectionHost(await this.settings.connections(), connectionArn);
    const family = HOST_FAMILIES[host.type];
    const token = this.settings.tokens[family];
    if (!token) {
      const connection = connectionArn ? `Connection ${connectionArn}` : 'The repository';
      throw new BadInputError(`${connection} reaches ${describeHost(host)}, and no ${family} token is configured: ${this.settings.tokenSources[family]}.`);
    }
    const Adapter = ADAPTERS.get(host.type)!;
    return new Adapter(family, { apiUrl: hostApiUrl(host, this.settings.publicApiUrls), token });
  }

  async report(status: CommitStatus): Promise<void> {
    await (await this.forConnection(status.connectionArn)).report(status);
  }
}
