import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ParameterStore, SecretStore } from '../../ports/build-secrets';

/** Parameter Store over the SDK's client. */
export class SsmParameterStore implements ParameterStore {
  constructor(private readonly client: SSMClient) {}

  async parameter(name: string): Promise<string> {
    const { Parameter } = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return Parameter?.Value ?? '';
  }
}

/** Secrets Manager over the SDK's client. */
export class SecretsManagerSecretStore implements SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async secret(secretId: string, version: { versionStage?: string; versionId?: string }): Promise<string> {
    const answer = await this.client.send(
      new GetSecretValueCommand({
        SecretId: secretId,
        ...(version.versionStage ? { VersionStage: version.versionStage } : {}),
        ...(version.versionId ? { VersionId: version.versionId } : {}),
      }),
    );
    if (answer.SecretString === undefined) throw new Error(`secret ${secretId} holds binary data, not text`);
    return answer.SecretString;
  }
}
