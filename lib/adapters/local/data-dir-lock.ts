import { open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SluiceError } from '../../core/errors';

export interface DataDirOwner {
  pid: number;
  command: string;
  startedAt: string;
  /** The owner's local API, through which other commands reach the data dir. */
  api?: { url: string; token: string };
  /** The embedded S3's upload endpoint, for requests signed with the installation's credentials. */
  s3UploadEndpoint?: string;
}

export interface DataDirLock {
  /** Publishes the owner's API, and its S3 upload endpoint if it has one, in the lock file, readable by this user only. */
  advertise(api: NonNullable<DataDirOwner['api']>, s3UploadEndpoint?: string): Promise<void>;
  release(): Promise<void>;
}

const lockFile = (dataDir: string) => path.join(dataDir, 'owner.lock');

/** The data dir is owned by another live process. */
export class DataDirBusyError extends SluiceError {
  constructor(readonly dataDir: string, readonly owner: DataDirOwner) {
    super(
      'Sluice.DataDirBusy',
      `${dataDir} is in use by "sluice ${owner.command}" (pid ${owner.pid}, since ${owner.startedAt}). Wait for it to finish, stop it, or use another --data-dir.`,
    );
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes this process the only owner of a data dir: the embedded DynamoDB crashes when two
 * processes open the same files. A lock left by a process that died (kill -9) is taken over.
 */
export async function lockDataDir(dataDir: string, command: string): Promise<DataDirLock> {
  const file = lockFile(dataDir);
  const owner: DataDirOwner = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return {
        advertise: (api, s3UploadEndpoint) => writeFile(file, JSON.stringify({ ...owner, api, s3UploadEndpoint }), { mode: 0o600 }),
        release: () => rm(file, { force: true }),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = await readDataDirOwner(dataDir);
      if (current && isAlive(current.pid) && current.pid !== process.pid) throw new DataDirBusyError(dataDir, current);
      await rm(file, { force: true });
    }
  }
  throw new SluiceError('Sluice.DataDirBusy', `Could not lock ${dataDir}: another process keeps taking it.`);
}

/** The process that owns the data dir, as its lock file says; it may have died since. */
export async function readDataDirOwner(dataDir: string): Promise<DataDirOwner | undefined> {
  try {
    return JSON.parse(await readFile(lockFile(dataDir), 'utf8')) as DataDirOwner;
  } catch {
    return undefined;
  }
}
