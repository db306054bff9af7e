import { createHash, randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { DataDirBusyError } from '../../core/errors';

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

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A name beside `file` that no other process or call uses. */
const besideName = (file: string, purpose: string) => `${file}.${purpose}.${process.pid}.${randomBytes(4).toString('hex')}`;

/** Writes `content` beside `file`, complete and private, for a link or a rename to publish at once. */
async function writeBeside(file: string, content: string): Promise<string> {
  const candidate = besideName(file, 'new');
  await writeFile(candidate, content, { mode: 0o600, flag: 'wx' });
  return candidate;
}

/** Publishes `content` as `file` unless it exists; a reader sees no file or the whole content, never a part. */
async function createWhole(file: string, content: string): Promise<boolean> {
  const candidate = await writeBeside(file, content);
  try {
    await link(candidate, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(candidate, { force: true });
  }
}

/** A takeover takes milliseconds; a claim this old was left by a process that died during one. */
const ABANDONED_CLAIM_MS = 10_000;

/**
 * Removes the lock a dead owner left, but only that one. Several processes may find the same dead
 * owner at once; if each removed the lock by name, one could remove the lock that another had
 * just taken, and both would go on as owners. So only the process that claims this dead owner's
 * record may remove it, and only while the lock still holds that record. Returns false when
 * another process holds the claim.
 */
async function removeStaleLock(file: string, staleContent: string): Promise<boolean> {
  const claim = `${file}.takeover-${createHash('sha256').update(staleContent).digest('hex').slice(0, 16)}`;
  if (!(await createWhole(claim, String(process.pid)))) {
    const claimed = await stat(claim).catch(() => undefined);
    if (claimed && Date.now() - claimed.mtimeMs > ABANDONED_CLAIM_MS) await rm(claim, { force: true });
    return false;
  }
  try {
    if ((await readFile(file, 'utf8').catch(() => undefined)) === staleContent) await rm(file);
    return true;
  } finally {
    await rm(claim, { force: true });
  }
}

/** While another process takes over a dead owner's lock, the others look again this often, for about 5 s. */
const CLAIM_WAIT_MS = 25;
const LOCK_ATTEMPTS = 200;

/**
 * Makes this process the only owner of a data dir: the embedded DynamoDB crashes when two
 * processes open the same files. A lock left by a process that died (kill -9) is taken over.
 */
export async function lockDataDir(dataDir: string, command: string): Promise<DataDirLock> {
  const file = lockFile(dataDir);
  const owner: DataDirOwner = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt += 1) {
    if (await createWhole(file, JSON.stringify(owner))) {
      return {
        advertise: async (api, s3UploadEndpoint) => rename(await writeBeside(file, JSON.stringify({ ...owner, api, s3UploadEndpoint })), file),
        release: () => rm(file, { force: true }),
      };
    }
    const content = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (content === undefined) continue;
    const current = parseOwner(content);
    if (current && isAlive(current.pid) && current.pid !== process.pid) throw new DataDirBusyError(dataDir, current);
    if (!(await removeStaleLock(file, content))) await sleep(CLAIM_WAIT_MS);
  }
  throw new DataDirBusyError(dataDir);
}

/** The owner a lock file names; a file that does not parse was left by no working owner. */
function parseOwner(content: string): DataDirOwner | undefined {
  try {
    return JSON.parse(content) as DataDirOwner;
  } catch {
    return undefined;
  }
}

/** The process that owns the data dir, as its lock file says; it may have died since. */
export async function readDataDirOwner(dataDir: string): Promise<DataDirOwner | undefined> {
  const content = await readFile(lockFile(dataDir), 'utf8').catch(() => undefined);
  return content === undefined ? undefined : parseOwner(content);
}
