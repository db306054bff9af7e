import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { SluiceError } from '../../core/errors';

export interface DataDirOwner {
  pid: number;
  command: string;
  startedAt: string;
}

/** The data dir is owned by another live process. */
export class DataDirBusyError extends SluiceError {
  constructor(readonly dataDir: string, readonly owner: DataDirOwner) {
    super(
      'Sluice.DataDirBusy',
      `${dataDir} is in use by "sluice ${owner.command}" (pid ${owner.pid}, since ${owner.startedAt}). Wait for it to finish, stop it, or use another --data-dir.`,
    );
  }
}

function isAlive(pid: number): boolean {
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
export async function lockDataDir(dataDir: string, command: string): Promise<{ release(): Promise<void> }> {
  const file = path.join(dataDir, 'owner.lock');
  const owner: DataDirOwner = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return { release: () => rm(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = await readOwner(file);
      if (current && isAlive(current.pid) && current.pid !== process.pid) throw new DataDirBusyError(dataDir, current);
      await rm(file, { force: true });
    }
  }
  throw new SluiceError('Sluice.DataDirBusy', `Could not lock ${dataDir}: another process keeps taking it.`);
}

async function readOwner(file: string): Promise<DataDirOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DataDirOwner;
  } catch {
    return undefined;
  }
}
