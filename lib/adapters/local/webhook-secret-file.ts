import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SecretFile } from './secret-file';

/**
 * The secret GitHub signs webhook deliveries with, in `<dataDir>/webhook-secret`, readable by
 * this user only. It is created on first use; `sluice webhook-secret --rotate` replaces it.
 */
const secretFile = (dataDir: string) => new SecretFile(path.join(dataDir, 'webhook-secret'), () => randomBytes(32).toString('hex'));

/** The secret, created if there is none. Concurrent first uses all end up with the same one. */
export async function webhookSecret(dataDir: string): Promise<string> {
  return (await secretFile(dataDir).read()).trim();
}

/** Replaces the secret; deliveries signed with the old one are refused from now on. */
export async function rotateWebhookSecret(dataDir: string): Promise<string> {
  return (await secretFile(dataDir).replace()).trim();
}
