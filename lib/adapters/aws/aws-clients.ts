import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsClientClass, AwsClients, AwsTarget } from '../../ports/aws-clients';

/**
 * SDK clients in the default region unless the action names one, with the action's role assumed
 * through STS where it names one (STS in the client's region, so a local STS endpoint serves it too).
 */
export class SdkAwsClients implements AwsClients {
  private readonly clients = new Map<AwsClientClass<unknown>, Map<string, unknown>>();

  constructor(private readonly defaultRegion: string) {}

  client<C>(Client: AwsClientClass<C>, target: AwsTarget = {}): C {
    const region = target.region ?? this.defaultRegion;
    const byTarget = this.clients.get(Client) ?? new Map<string, unknown>();
    this.clients.set(Client, byTarget);
    const key = `${region} ${target.roleArn ?? ''}`;
    let client = byTarget.get(key) as C | undefined;
    if (!client) {
      const credentials = target.roleArn
        ? fromTemporaryCredentials({ params: { RoleArn: target.roleArn, RoleSessionName: 'sluice-action' }, clientConfig: { region } })
        : undefined;
      client = new Client({ region, ...(credentials ? { credentials } : {}) });
      byTarget.set(key, client);
    }
    return client;
  }
}
