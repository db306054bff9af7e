import { chmod, lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { BadInputError } from '../../core/errors';

/** A Unix socket's path holds at most 107 bytes on Linux (108 with its NUL), 103 on macOS. */
const MAX_SOCKET_PATH_BYTES = 103;

/** A directory that only this user can enter, for the sockets of the embedded servers. */
export interface SocketDirectory {
  path: string;
  /** Removes the directory if it is a temporary one; sockets in the data dir's stay for the next owner to replace. */
  remove(): Promise<void>;
}

/**
 * `<dataDir>/sockets`, mode 0700, or, when its sockets' paths would be too long for the system, a
 * new private directory under the OS temp dir. `longestName` is the longest socket name to be put in it.
 */
export async function openSocketDirectory(dataDir: string, longestName: string): Promise<SocketDirectory> {
  const preferred = path.join(dataDir, 'sockets');
  if (Buffer.byteLength(path.join(preferred, longestName)) > MAX_SOCKET_PATH_BYTES) {
    const temporary = await mkdtemp(path.join(os.tmpdir(), 'sluice-sockets-'));
    return { path: temporary, remove: () => rm(temporary, { recursive: true, force: true }) };
  }
  await mkdir(preferred, { recursive: true, mode: 0o700 });
  // A directory made by another means, or a link put in its place, is not trusted as it is.
  if (!(await lstat(preferred)).isDirectory()) throw new BadInputError(`${preferred} is not a directory; remove it, and Sluice makes it again.`);
  await chmod(preferred, 0o700);
  return { path: preferred, remove: async () => {} };
}

/**
 * Serves `server` on a Unix socket readable and writable by this user only. A socket left by an
 * owner that died is replaced: the caller owns the data dir.
 */
export async function listenOnSocket(server: Server, socketPath: string): Promise<void> {
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: socketPath }, resolve);
  });
  await chmod(socketPath, 0o600);
}
