import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SECRET_PLACEHOLDER, SecretsManagerSecret } from '../../lib/adapters/aws/secrets-manager-secret';
import { SecretNotSetError } from '../../lib/core/errors';
import { motoClientConfig, uniqueName } from './support/moto-clients';

describe('SecretsManagerSecret on Secrets Manager (moto)', () => {
  const client = new SecretsManagerClient(motoClientConfig());
  afterAll(() => client.destroy());

  const created = async (value: string) => (await client.send(new CreateSecretCommand({ Name: uniqueName('sluice/test/secret'), SecretString: value }))).ARN!;

  it('reads the value of a secret by its ARN', async () => {
    const arn = await created('ghp_contract-token');
    const secret = new SecretsManagerSecret(client, arn, { holds: 'GitHub token' });
    expect(await secret.value()).toBe('ghp_contract-token');
    expect(await secret.required()).toBe('ghp_contract-token');
  });

  it('refuses the placeholder the stack creates the token with, then reads the token the user puts in', async () => {
    let now = 0;
    const arn = await created(SECRET_PLACEHOLDER);
    const secret = new SecretsManagerSecret(client, arn, { holds: 'GitHub token', now: () => now });
    await expect(secret.required()).rejects.toBeInstanceOf(SecretNotSetError);
    await expect(secret.required()).rejects.toThrow(`aws secretsmanager put-secret-value --secret-id ${arn}`);

    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'ghp_put-in-later' }));
    now += 5 * 60 * 1000;
    expect(await secret.required()).toBe('ghp_put-in-later');
  });

  it("passes on Secrets Manager's answer for a secret that does not exist", async () => {
    const secret = new SecretsManagerSecret(client, 'sluice/test/no-such-secret', { holds: 'GitHub token' });
    await expect(secret.value()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
