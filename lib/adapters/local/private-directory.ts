import { chmod, mkdir, stat } from 'node:fs/promises';

/** Only the owner may list, read or enter it: a data dir holds approval links, tokens and secrets. */
const PRIVATE_DIRECTORY_MODE = 0o700;

/**
 * Creates `directory` private to this user, or makes an existing one private when it is looser
 * and this user owns it (another user's directory is left as it is, for its owner to decide).
 */
export async function ensurePrivateDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  const stats = await stat(directory);
  const ownedByMe = process.getuid !== undefined && stats.uid === process.getuid();
  if (ownedByMe && (stats.mode & 0o777) !== PRIVATE_DIRECTORY_MODE) await chmod(directory, PRIVATE_DIRECTORY_MODE);
}
