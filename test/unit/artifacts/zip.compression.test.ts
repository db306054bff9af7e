import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { zipDirectory } from '../../../lib/artifacts/zip';

const DEFLATE = 8;
const STORE = 0;

async function compressionMethods(zipFile: string): Promise<Record<string, number>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(zipFile, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened!))),
  );
  const methods: Record<string, number> = {};
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      methods[entry.fileName] = entry.compressionMethod;
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  zip.close();
  return methods;
}

describe('zipDirectory', () => {
  it('deflates what shrinks and stores what does not, such as already-compressed data', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'sluice-zip-'));
    writeFileSync(path.join(directory, 'app.js'), 'console.log("hello");\n'.repeat(5000));
    writeFileSync(path.join(directory, 'image.bin'), randomBytes(256 * 1024));
    writeFileSync(path.join(directory, 'tiny.txt'), 'ok');
    const zipFile = path.join(directory, '..', `${path.basename(directory)}.zip`);
    await pipeline(zipDirectory(directory), createWriteStream(zipFile));
    expect(await compressionMethods(zipFile)).toEqual({ 'app.js': DEFLATE, 'image.bin': STORE, 'tiny.txt': DEFLATE });
  });

  it('stores every file as it is when compression is off', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'sluice-zip-'));
    writeFileSync(path.join(directory, 'app.js'), 'console.log("hello");\n'.repeat(5000));
    writeFileSync(path.join(directory, 'tiny.txt'), 'ok');
    const zipFile = path.join(directory, '..', `${path.basename(directory)}.zip`);
    await pipeline(zipDirectory(directory, { compress: false }), createWriteStream(zipFile));
    expect(await compressionMethods(zipFile)).toEqual({ 'app.js': STORE, 'tiny.txt': STORE });
  });
});
