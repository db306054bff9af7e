import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretNotSetError } from '../../core/errors';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/**
 * What the stack creates a secret with when only the user can give its value (serverless.yml's
 * GitHubTokenSecret): it reads as no value at all.
 */
export const SECRET_PLACEHOLDER = 'placeholder';

/** Spares Secrets Manager a call on every request, and still applies a rotated value within minutes. */
export const SECRET_MAX_AGE_MS = 5 * 60 * 1000;

export interface SecretsManagerSecretOptions extends AccessDeniedOptions {
  /** What the secret holds, for messages: `GitHub token`. */
  holds: string;
  /** How long a value read is used before it is read again. */
  maxAgeMs?: number;
  /** Milliseconds since the epoch; Date.now unless a test gives its own. */
  now?: () => number;
}

/**
 * One secret in Secrets Manager, read with GetSecretValue and kept for a few minutes in the
 * container. A read that fails is not kept: the next call asks again.
 *
 * @example
 * const token = new SecretsManagerSecret(client, process.env.GITHUB_TOKEN_SECRET_ARN!, { holds: 'GitHub token' });
 * await token.value();    // undefined while the secret holds its placeholder
 * await token.required(); // throws SecretNotSetError, naming the put-secret-value command, instead
 */
export class SecretsManagerSecret {
  private cached?: { value: Promise<string | undefined>; readAt: number };
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: SecretsManagerClient,
    readonly secretId: string,
    private readonly options: SecretsManagerSecretOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? SECRET_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /** The value, or undefined while the secret is empty or holds the placeholder. */
  value(): Promise<string | undefined> {
    const now = this.now();
    if (this.cached && now - this.cached.readAt < this.maxAgeMs) return this.cached.value;
    const entry = { value: this.read(), readAt: now };
    this.cached = entry;
    entry.value.catch(() => {
      if (this.cached === entry) this.cached = undefined;
    });
    return entry.value;
  }

  /** The value; a secret that holds only the placeholder is an error that says how to set it. */
  async required(): Promise<string> {
    const value = await this.value();
    if (value === undefined) throw new SecretNotSetError(this.secretId, this.options.holds, SECRET_MAX_AGE_MS / 60_000);
    return value;
  }

  private async read(): Promise<string | undefined> {
    const access = { action: 'secretsmanager:GetSecretValue', resource: this.secretId, role: this.options.roleName };
    const { SecretString } = await withAccessExplained(access, () => this.client.send(new GetSecretValueCommand({ SecretId: this.secretId })));
    const value = SecretString?.trim();
    return value && value !== SECRET_PLACEHOLDER ? value : undefined;
  }
}
