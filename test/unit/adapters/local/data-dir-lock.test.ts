import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { lockDataDir, readDataDirOwner } from '../../../../lib/adapters/local/data-dir-lock';
import { DataDirBusyError } from '../../../../lib/core/errors';
import { ROOT } from '../../../support/fixtures';

jest.setTimeout(60_000);

const newDataDir = () => mkdtempSync(path.join(tmpdir(), 'sluice-lock-'));

/** The pid of a process that has ended, as a lock left by kill -9 names. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout);
}

const plantLock = (dataDir: string, pid: number) =>
  writeFileSync(path.join(dataDir, 'owner.lock'), JSON.stringify({ pid, command: 'run', startedAt: '2026-01-01T00:00:00.000Z' }));

describe('lockDataDir', () => {
  it('takes over the lock of an owner that died, and refuses while a live one holds it', async () => {
    const dataDir = newDataDir();
    plantLock(dataDir, deadPid());
    const lock = await lockDataDir(dataDir, 'serve');
    expect(await readDataDirOwner(dataDir)).toMatchObject({ pid: process.pid, command: 'serve' });
    await lock.release();
    const live = execFile('sleep', ['30']);
    try {
      plantLock(dataDir, live.pid!);
      await expect(lockDataDir(dataDir, 'run')).rejects.toThrow(DataDirBusyError);
      expect(await readDataDirOwner(dataDir)).toMatchObject({ pid: live.pid });
    } finally {
      live.kill();
    }
  });

  it('lets readers see the whole owner record, never a part, while it is rewritten', async () => {
    const dataDir = newDataDir();
    const lock = await lockDataDir(dataDir, 'serve');
    let writing = true;
    const writes = (async () => {
      for (let round = 0; round < 300; round += 1) await lock.advertise({ url: `http://127.0.0.1:${8000 + round}/`, token: 'x'.repeat(4096) });
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      expect(await readDataDirOwner(dataDir)).toMatchObject({ pid: process.pid });
      reads += 1;
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
    expect(readdirSync(dataDir)).toEqual(['owner.lock']);
    await lock.release();
  });

  it('gives a stale lock to exactly one of many processes that start together', async () => {
    const dataDir = newDataDir();
    plantLock(dataDir, deadPid());
    const startAt = Date.now() + 4000;
    const contenders = Array.from({ length: 6 }, () =>
      promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'test/support/lock-contender.ts'), dataDir, String(startAt)], {
        cwd: ROOT,
      }),
    );
    const said = (await Promise.all(contenders)).map(({ stdout }) => stdout.trim()).sort();
    expect(said).toEqual(['busy', 'busy', 'busy', 'busy', 'busy', 'owner']);
    expect(readdirSync(dataDir)).toEqual([]);
  });
});
