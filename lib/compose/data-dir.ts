import path from 'node:path';
import { lockDataDir, type DataDirLock } from '../adapters/local/data-dir-lock';
import { ensurePrivateDirectory } from '../adapters/local/private-directory';
import { startEmbeddedStack, type EmbeddedStack, type EmbeddedStackOptions } from '../adapters/local/embedded-stack';

/** Where the local installation lives unless `--data-dir` says otherwise. */
export const DEFAULT_DATA_DIR = '.sluice';

/** A data dir this process owns, whose embedded stack is starting. */
export interface ClaimedDataDir {
  dataDir: string;
  lock: DataDirLock;
  /** Settles once the stack is up; until it is awaited, a failure to start is held, not thrown. */
  stack: Promise<EmbeddedStack>;
}

/**
 * Takes ownership of a data dir, made private to this user, and starts its embedded stack without waiting for it. The stack
 * starts in a worker thread, so a caller that goes on loading its own modules meanwhile pays for
 * only the longer of the two.
 */
export async function claimDataDir(dataDir: string | undefined, command: string, stackOptions: EmbeddedStackOptions = {}): Promise<ClaimedDataDir> {
  const resolved = path.resolve(dataDir ?? DEFAULT_DATA_DIR);
  await ensurePrivateDirectory(resolved);
  const lock = await lockDataDir(resolved, command);
  const stack = startEmbeddedStack(resolved, stackOptions);
  // Held until openLocalInstallation awaits it, which releases the lock when the stack failed.
  stack.catch(() => undefined);
  return { dataDir: resolved, lock, stack };
}
