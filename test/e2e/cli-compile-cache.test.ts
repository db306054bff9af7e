import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/fixtures';

// Node 22 keeps the compile cache itself; the bin keeps it only where Node does not.
const nodeKeepsTheCache = 'enableCompileCache' in nodeModule;

describe('the sluice bin on Node 20', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'sluice-compile-cache-'));
    copyFileSync(path.join(ROOT, 'dist', 'sluice.cjs'), path.join(root, 'sluice.cjs'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [path.join(root, 'sluice.cjs'), ...args], {
      env: { ...process.env, XDG_CACHE_HOME: path.join(root, 'cache') },
      encoding: 'utf8',
    });
    return { code: result.status, stdout: result.stdout.trim(), stderr: result.stderr };
  };
  const cacheDirectory = () => path.join(root, 'cache', 'sluice', 'compile-cache');
  const program = (source: string, modifiedAt: Date) => {
    const file = path.join(root, 'sluice-program.cjs');
    writeFileSync(file, source);
    utimesSync(file, modifiedAt, modifiedAt);
  };

  (nodeKeepsTheCache ? it.skip : it)(
    'caches the compiled program privately, one cache per command, and never runs a changed program from the cache of the old one',
    () => {
      // The same length: V8 itself would take the old program's code for the new one.
      program("function word() { return 'one'; }\nconsole.log(`${word()} ${process.argv[2]}`);", new Date('2026-01-01T00:00:00Z'));
      expect(run('first')).toEqual({ code: 0, stdout: 'one first', stderr: '' });
      expect(run('second')).toEqual({ code: 0, stdout: 'one second', stderr: '' });
      const cached = readdirSync(cacheDirectory());
      expect(cached).toHaveLength(2);
      expect(statSync(cacheDirectory()).mode & 0o777).toBe(0o700);
      for (const file of cached) expect(statSync(path.join(cacheDirectory(), file)).mode & 0o777).toBe(0o600);
      const written = cached.map((file) => statSync(path.join(cacheDirectory(), file)).mtimeMs);

      // Read, not written again, by the next run of the same program.
      expect(run('first')).toEqual({ code: 0, stdout: 'one first', stderr: '' });
      expect(cached.map((file) => statSync(path.join(cacheDirectory(), file)).mtimeMs)).toEqual(written);

      program("function word() { return 'two'; }\nconsole.log(`${word()} ${process.argv[2]}`);", new Date('2026-01-02T00:00:00Z'));
      expect(run('first')).toEqual({ code: 0, stdout: 'two first', stderr: '' });
    },
  );

  (nodeKeepsTheCache ? it.skip : it)('runs the program without a cache where none can be written', () => {
    program("function word() { return 'one'; }\nconsole.log(`${word()} ${process.argv[2]}`);", new Date('2026-01-01T00:00:00Z'));
    writeFileSync(path.join(root, 'cache'), 'a file where the cache directory would be');
    expect(run('first')).toEqual({ code: 0, stdout: 'one first', stderr: '' });
    expect(run('first')).toEqual({ code: 0, stdout: 'one first', stderr: '' });
  });

  (nodeKeepsTheCache ? it.skip : it)('neither reads nor writes a cache in a directory that other users may write to', () => {
    program("function word() { return 'one'; }\nconsole.log(`${word()} ${process.argv[2]}`);", new Date('2026-01-01T00:00:00Z'));
    mkdirSync(cacheDirectory(), { recursive: true });
    chmodSync(cacheDirectory(), 0o777);
    expect(run('first')).toEqual({ code: 0, stdout: 'one first', stderr: '' });
    expect(readdirSync(cacheDirectory())).toEqual([]);
  });
});
