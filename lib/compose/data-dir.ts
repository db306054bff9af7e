import path from 'node:path';
import { BuildProcessGroups, reapDeadOwners } from '../adapters/local/build-process-groups';
import { lockDataDir, type DataDirLock } from '../adapters/local/data-dir-lock';
import { ensurePrivateDirectory } from '../adapters/local/private-directory';
import { startEmbeddedStack, type EmbeddedStack, type EmbeddedStackOptions } from '../adapters/local/embedded-stack';

/** Where the local installation lives unless `--data-dir` says otherwise. */
export const DEFAULT_DATA_DIR = '.sluice';

/** A data dir this process owns, whose embedded stack is starting. */
export interface ClaimedDataDir {
  dataDir: string;
  lock: DataDirLock;
  /** The builds this process runs, and where their workspaces go. */
  processes: BuildProcessGroups;
  /** Settles once the stack is up; until it is awaited, a failure to start is held, not thrown. */
  stack: Promise<EmbeddedStack>;
}

/**
 * Takes ownership of a data dir, made private to this user, and starts its embedded stack without waiting for it. The stack
 * starts in a worker thread, so a caller that goes on loading its own modules meanwhile pays for
 * only the longer of the two. Builds that a crashed owner left running are killed meanwhile.
 */
export async function claimDataDir(dataDir: string | undefined, command: string, stackOptions: EmbeddedStackOptions = {}): Promise<ClaimedDataDir> {
  const resolved = path.resolve(dataDir ?? DEFAULT_DATA_DIR);
  await ensurePrivateDirectory(resolved);
  const lock = await lockDataDir(resolved, command);
  const stack = startEmbeddedStack(resolved, stackOptions);
  // Held until openLocalInstallation awaits it, which releases the lock when the stack failed.
  stack.catch(() => undefined);
  try {
    await reapDeadOwners(resolved);
    return { dataDir: resolved, lock, stack, processes: await BuildProcessGroups.register(resolved) };
  } catch (error) {
    await stack.then(
      (started) => started.close(),
      () => undefined,
    );
    await lock.release();
    throw error;
  }
}
