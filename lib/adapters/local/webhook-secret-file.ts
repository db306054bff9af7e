import { randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDirectory } from './private-directory';

/**
 * The secret GitHub signs webhook deliveries with, in `<dataDir>/webhook-secret`, readable by
 * this user only. It is created on first use; `sluice webhook-secret --rotate` replaces it.
 */

const secretFile = (dataDir: string) => path.join(dataDir, 'webhook-secret');

/** Writes a new secret beside the file, complete and private, for a link or rename to publish. */
async function writeCandidate(dataDir: string): Promise<string> {
  await ensurePrivateDirectory(dataDir);
  const candidate = `${secretFile(dataDir)}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(candidate, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  return candidate;
}

/** The secret, created if there is none. Concurrent first uses all end up with the same one. */
export async function webhookSecret(dataDir: string): Promise<string> {
  const file = secretFile(dataDir);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const candidate = await writeCandidate(dataDir);
  try {
    // A link fails if another process published first, and never shows a half-written file.
    await link(candidate, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(candidate, { force: true });
  }
  return (await readFile(file, 'utf8')).trim();
}

/** Replaces the secret; deliveries signed with the old one are refused from now on. */
export async function rotateWebhookSecret(dataDir: string): Promise<string> {
  const candidate = await writeCandidate(dataDir);
  await rename(candidate, secretFile(dataDir));
  return (await readFile(secretFile(dataDir), 'utf8')).trim();
}
