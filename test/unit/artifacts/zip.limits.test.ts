import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ZipFile } from 'yazl';
import { extractZip } from '../../../lib/artifacts/zip';
import { readUnpackLimits } from '../../../lib/compose/settings-file';
import { DEFAULT_ARTIFACT_LIMITS } from '../../../lib/core/installation-settings';
import { removeDirectory, temporaryDirectory } from '../../support/embedded-stack';

let scratch: string;

beforeEach(async () => {
  scratch = await temporaryDirectory('sluice-zip-limits-');
});

afterEach(async () => {
  await removeDirectory(scratch);
});

/** A zip of `entries`, each a name and its bytes, deflated. */
async function zipOf(entries: [string, Buffer][]): Promise<string> {
  const file = path.join(scratch, 'input.zip');
  const zip = new ZipFile();
  for (const [name, bytes] of entries) zip.addBuffer(bytes, name);
  zip.end();
  await new Promise<void>((resolve, reject) => zip.outputStream.pipe(createWriteStream(file)).on('finish', resolve).on('error', reject));
  return file;
}

/** The bytes that extraction left on disk below `directory`. */
async function bytesBelow(directory: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(directory, { recursive: true })) {
    const stats = await stat(path.join(directory, name));
    if (stats.isFile()) total += stats.size;
  }
  return total;
}

describe('extractZip caps', () => {
  it('refuses a small zip that inflates past the byte cap, naming the cap and its setting', async () => {
    const zipFile = await zipOf([['zeros.bin', Buffer.alloc(8 * 1024 * 1024)]]);
    expect((await stat(zipFile)).size).toBeLessThan(64 * 1024);
    const directory = path.join(scratch, 'out');

    await expect(extractZip(zipFile, directory, { maxUnpackedBytes: 1024 * 1024, maxEntries: 10 })).rejects.toThrow(
      expect.objectContaining({ name: 'Sluice.BadInput', message: expect.stringMatching(/more than 1048576 bytes.*artifacts\.maxUnpackedBytes/) }),
    );
    expect(await bytesBelow(directory)).toBeLessThanOrEqual(1024 * 1024);
  });

  it('counts the bytes of every entry together', async () => {
    const zipFile = await zipOf([
      ['a.bin', Buffer.alloc(600 * 1024)],
      ['b.bin', Buffer.alloc(600 * 1024)],
    ]);
    await expect(extractZip(zipFile, path.join(scratch, 'out'), { maxUnpackedBytes: 1024 * 1024, maxEntries: 10 })).rejects.toThrow(/more than 1048576 bytes/);
  });

  it('refuses a zip with more entries than the entry cap, naming the setting', async () => {
    const zipFile = await zipOf(Array.from({ length: 11 }, (_, index): [string, Buffer] => [`file${index}.txt`, Buffer.from('x')]));
    await expect(extractZip(zipFile, path.join(scratch, 'out'), { maxUnpackedBytes: 1024, maxEntries: 10 })).rejects.toThrow(
      /more than 10 entries.*artifacts\.maxEntries/,
    );
  });

  it('extracts a zip that stays exactly at the caps', async () => {
    const zipFile = await zipOf([
      ['a.bin', Buffer.alloc(512)],
      ['b.bin', Buffer.alloc(512)],
    ]);
    expect(await extractZip(zipFile, path.join(scratch, 'out'), { maxUnpackedBytes: 1024, maxEntries: 2 })).toEqual(['a.bin', 'b.bin']);
  });
});

describe('the unpack limits of a data dir', () => {
  it('are the defaults without settings.json, and its values where it sets them', async () => {
    expect(await readUnpackLimits(scratch)).toEqual(DEFAULT_ARTIFACT_LIMITS);
    await mkdir(scratch, { recursive: true });
    await writeFile(path.join(scratch, 'settings.json'), JSON.stringify({ artifacts: { maxEntries: 7 } }));
    expect(await readUnpackLimits(scratch)).toEqual({ maxUnpackedBytes: DEFAULT_ARTIFACT_LIMITS.maxUnpackedBytes, maxEntries: 7 });
  });
});
