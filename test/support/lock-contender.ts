// Run by tsx in its own process: waits until the given moment, tries to lock the data dir, and
// says whether it owns it. An owner holds the lock for a while, so that the others meet it alive.
import { lockDataDir } from '../../lib/adapters/local/data-dir-lock';
import { DataDirBusyError } from '../../lib/core/errors';

const [dataDir, startAt] = process.argv.slice(2) as [string, string];

async function contend(): Promise<void> {
  while (Date.now() < Number(startAt)) await new Promise((resolve) => setTimeout(resolve, 1));
  try {
    const lock = await lockDataDir(dataDir, 'contender');
    process.stdout.write('owner\n');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await lock.release();
  } catch (error) {
    if (!(error instanceof DataDirBusyError)) throw error;
    process.stdout.write('busy\n');
  }
}

void contend();
