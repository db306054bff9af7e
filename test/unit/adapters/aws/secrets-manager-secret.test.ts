import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SECRET_MAX_AGE_MS, SECRET_PLACEHOLDER, SecretsManagerSecret } from '../../../../lib/adapters/aws/secrets-manager-secret';
import { AccessDeniedError, SecretNotSetError } from '../../../../lib/core/errors';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/prod/github-token-AbCdEf';

/** A client whose GetSecretValue answers with the next of `answers` (an Error is thrown). */
function client(...answers: (string | undefined | Error)[]) {
  const send = jest.fn(async () => {
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer instanceof Error) throw answer;
    return { SecretString: answer };
  });
  return { client: { send } as unknown as SecretsManagerClient, send };
}

function secret(sdk: SecretsManagerClient, now: () => number = () => 0) {
  return new SecretsManagerSecret(sdk, SECRET_ID, { holds: 'GitHub token', roleName: 'sluice-prod-http', now });
}

describe('SecretsManagerSecret', () => {
  it('reads the value, trimmed', async () => {
    const { client: sdk, send } = client(' ghp_token\n');
    expect(await secret(sdk).value()).toBe('ghp_token');
    expect((send.mock.calls[0] as unknown[])[0]).toMatchObject({ input: { SecretId: SECRET_ID } });
  });

  it.each([SECRET_PLACEHOLDER, ` ${SECRET_PLACEHOLDER}\n`, '', undefined])('reads %j as no value', async (stored) => {
    const { client: sdk } = client(stored);
    expect(await secret(sdk).value()).toBeUndefined();
  });

  it('refuses the placeholder where a value is required, naming the secret and the command that sets it', async () => {
    const { client: sdk } = client(SECRET_PLACEHOLDER);
    const required = secret(sdk).required();
    await expect(required).rejects.toBeInstanceOf(SecretNotSetError);
    await expect(required).rejects.toThrow(
      `No GitHub token is configured: the secret ${SECRET_ID} holds only its placeholder. Put it in with: aws secretsmanager put-secret-value --secret-id ${SECRET_ID} --secret-string '<value>'`,
    );
  });

  it('keeps a value for five minutes, then reads it again, so that a new value applies soon', async () => {
    let now = 1_000_000;
    const { client: sdk, send } = client(SECRET_PLACEHOLDER, 'ghp_new');
    const token = secret(sdk, () => now);
    expect(await token.value()).toBeUndefined();
    now += SECRET_MAX_AGE_MS - 1;
    expect(await token.value()).toBeUndefined();
    expect(send).toHaveBeenCalledTimes(1);
    now += 1;
    expect(await token.value()).toBe('ghp_new');
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('asks once for callers that come together', async () => {
    const { client: sdk, send } = client('ghp_token');
    const token = secret(sdk);
    expect(await Promise.all([token.value(), token.required(), token.value()])).toEqual(['ghp_token', 'ghp_token', 'ghp_token']);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('does not keep a failed read: the next call asks again', async () => {
    const { client: sdk, send } = client(new Error('socket hang up'), 'ghp_token');
    const token = secret(sdk);
    await expect(token.value()).rejects.toThrow('socket hang up');
    expect(await token.value()).toBe('ghp_token');
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('explains AccessDenied with the action, the secret and the role', async () => {
    const denied = Object.assign(new Error('not authorized to perform: secretsmanager:GetSecretValue'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    const { client: sdk } = client(denied);
    const read = secret(sdk).value();
    await expect(read).rejects.toBeInstanceOf(AccessDeniedError);
    await expect(read).rejects.toThrow(`Allow "secretsmanager:GetSecretValue" on "${SECRET_ID}" in the policy of sluice-prod-http.`);
  });
});
