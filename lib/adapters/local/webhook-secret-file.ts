import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { HostFamily } from '../../core/connection-hosts';
import { SecretFile } from './secret-file';

/**
 * The secret each host's webhook deliveries are checked with, readable by this user only: GitHub's
 * (and Bitbucket's) signatures are made with it, GitLab sends it as its token. GitHub's is in
 * `<dataDir>/webhook-secret`, the others' beside it. Each is created on first use;
 * `sluice webhook-secret [--host <host>] --rotate` replaces it.
 */
const SECRET_FILES: Record<HostFamily, string> = { GitHub: 'webhook-secret', Bitbucket: 'bitbucket-webhook-secret', GitLab: 'gitlab-webhook-secret' };

const secretFile = (dataDir: string, host: HostFamily) => new SecretFile(path.join(dataDir, SECRET_FILES[host]), () => randomBytes(32).toString('hex'));

/** The host's secret, created if there is none. Concurrent first uses all end up with the same one. */
export async function webhookSecret(dataDir: string, host: HostFamily = 'GitHub'): Promise<string> {
  return (await secretFile(dataDir, host).read()).trim();
}

/** Replaces the host's secret; its deliveries made with the old one are refused from now on. */
export async function rotateWebhookSecret(dataDir: string, host: HostFamily = 'GitHub'): Promise<string> {
  return (await secretFile(dataDir, host).replace()).trim();
}
