import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { extractZip, readZipFiles, zipDirectory, type UnpackLimits } from '../../../lib/artifacts/zip';
import { BadInputError } from '../../../lib/core/errors';
import { DEFAULT_ARTIFACT_LIMITS } from '../../../lib/core/installation-settings';
import { craftZip, type CraftedEntry } from '../../support/crafted-zip';
import { removeDirectory, temporaryDirectory } from '../../support/embedded-stack';

let scratch: string;

beforeEach(async () => {
  scratch = await temporaryDirectory('sluice-zip-');
});

afterEach(async () => {
  await removeDirectory(scratch);
});

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
}

/** Every file below `root`, by relative name, with its content. */
async function readTree(root: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const name of await readdir(root, { recursive: true })) {
    const file = path.join(root, name);
    if ((await stat(file)).isFile()) tree[name] = await readFile(file, 'utf8');
  }
  return tree;
}

async function zipTo(directory: string, zipFile: string, files?: string[]): Promise<void> {
  await pipeline(zipDirectory(directory, { files }), createWriteStream(zipFile));
}

describe('zipDirectory and extractZip', () => {
  it('round-trips a tree of nested files and keeps the executable bit', async () => {
    const source = path.join(scratch, 'source');
    const files = {
      'README.md': '# app\n',
      'src/index.js': 'console.log(1)\n',
      'src/lib/deep/nested.txt': 'deep',
      'scripts/build.sh': '#!/bin/sh\necho built\n',
      '.hidden/config': 'x=1',
    };
    await writeTree(source, files);
    await chmod(path.join(source, 'scripts/build.sh'), 0o755);
    const zipFile = path.join(scratch, 'out.zip');
    await zipTo(source, zipFile);

    const target = path.join(scratch, 'target');
    const written = await extractZip(zipFile, target);

    expect(written.sort()).toEqual(Object.keys(files).sort());
    expect(await readTree(target)).toEqual(files);
    expect((await stat(path.join(target, 'scripts/build.sh'))).mode & 0o111).toBe(0o111);
    expect((await stat(path.join(target, 'README.md'))).mode & 0o111).toBe(0);
  });

  it('round-trips many files in many directories', async () => {
    const source = path.join(scratch, 'source');
    const files = Object.fromEntries(
      Array.from({ length: 60 }, (_, index) => [`dir${index % 6}/sub${index % 4}/file${index}.txt`, `content of ${index}\n`.repeat(index + 1)]),
    );
    await writeTree(source, files);
    const zipFile = path.join(scratch, 'out.zip');
    await zipTo(source, zipFile);

    const target = path.join(scratch, 'target');
    const written = await extractZip(zipFile, target);

    expect(written.sort()).toEqual(Object.keys(files).sort());
    expect(await readTree(target)).toEqual(files);
  });

  it.each([
    ['deflated', true],
    ['stored', false],
  ])('round-trips %s files larger than those read whole, beside small ones, keeping their bytes and modes', async (_, compress) => {
    const source = path.join(scratch, 'source');
    await mkdir(path.join(source, 'big'), { recursive: true });
    const random = randomBytes(1536 * 1024);
    const text = Buffer.from('line of a large log file\n'.repeat(80_000));
    await writeFile(path.join(source, 'big', 'random.bin'), random);
    await writeFile(path.join(source, 'big', 'log.txt'), text);
    await chmod(path.join(source, 'big', 'log.txt'), 0o755);
    await writeFile(path.join(source, 'small.txt'), 'small');
    const zipFile = path.join(scratch, 'out.zip');
    await pipeline(zipDirectory(source, { compress }), createWriteStream(zipFile));

    const target = path.join(scratch, 'target');
    expect((await extractZip(zipFile, target)).sort()).toEqual(['big/log.txt', 'big/random.bin', 'small.txt']);
    expect((await readFile(path.join(target, 'big', 'random.bin'))).equals(random)).toBe(true);
    expect((await readFile(path.join(target, 'big', 'log.txt'))).equals(text)).toBe(true);
    expect((await stat(path.join(target, 'big', 'log.txt'))).mode & 0o777).toBe(0o755);
    expect(await readFile(path.join(target, 'small.txt'), 'utf8')).toBe('small');
  });

  it.each([
    ['more', 10],
    ['fewer', -10],
  ])(
    'refuses an entry whose header declares %s bytes than its data holds, naming it, when extracting it and when reading it in place',
    async (_, difference) => {
      const zip = new ZipFile();
      zip.addBuffer(Buffer.from('a compressible line\n'.repeat(100)), 'notes.txt', { compress: true });
      zip.end();
      const bytes = await buffer(zip.outputStream);
      // The central directory's record of the entry: its uncompressed size is 24 bytes in.
      const record = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
      bytes.writeUInt32LE(bytes.readUInt32LE(record + 24) + difference, record + 24);
      const zipFile = path.join(scratch, 'damaged.zip');
      await writeFile(zipFile, bytes);

      const extraction = extractZip(zipFile, path.join(scratch, 'target'));
      await expect(extraction).rejects.toThrow(BadInputError);
      await expect(extraction).rejects.toThrow(/"notes\.txt"/);
      const { message } = (await extraction.catch((error: unknown) => error)) as Error;
      const reading = readZipFiles(zipFile, path.join(scratch, 'target'), DEFAULT_ARTIFACT_LIMITS, async (files) =>
        Promise.all(files.map((file) => file.read())),
      );
      await expect(reading).rejects.toMatchObject({ name: 'Sluice.BadInput', message });
    },
  );

  it('writes an entry that the zip holds twice as its last copy', async () => {
    const zipFile = path.join(scratch, 'twice.zip');
    await craftZip(zipFile, [
      { name: 'same.txt', content: 'first' },
      ...Array.from({ length: 10 }, (_, index) => ({ name: `other${index}.txt`, content: 'other' })),
      { name: 'same.txt', content: 'last' },
    ]);

    const target = path.join(scratch, 'target');
    await extractZip(zipFile, target);

    expect(await readFile(path.join(target, 'same.txt'), 'utf8')).toBe('last');
  });

  it('includes only the files that the globs select', async () => {
    const source = path.join(scratch, 'source');
    await writeTree(source, { 'dist/app.js': 'app', 'dist/app.js.map': 'map', 'appspec.yml': 'spec', 'src/app.ts': 'ts' });
    const zipFile = path.join(scratch, 'out.zip');
    await zipTo(source, zipFile, ['dist/*.js', 'appspec.yml']);

    const target = path.join(scratch, 'target');
    await extractZip(zipFile, target);

    expect(await readTree(target)).toEqual({ 'dist/app.js': 'app', 'appspec.yml': 'spec' });
  });

  it('follows links that stay inside the directory and leaves out the others', async () => {
    const source = path.join(scratch, 'source');
    await writeTree(source, { 'real/file.txt': 'inside' });
    await writeFile(path.join(scratch, 'secret.txt'), 'outside');
    await symlink('real/file.txt', path.join(source, 'link-to-file'));
    await symlink('real', path.join(source, 'link-to-dir'));
    await symlink('..', path.join(source, 'real/loop'));
    await symlink('../secret.txt', path.join(source, 'link-outside'));
    await symlink('missing', path.join(source, 'dangling'));
    const zipFile = path.join(scratch, 'out.zip');
    await zipTo(source, zipFile);

    const target = path.join(scratch, 'target');
    await extractZip(zipFile, target);

    expect(await readTree(target)).toEqual({
      'real/file.txt': 'inside',
      'link-to-file': 'inside',
      'link-to-dir/file.txt': 'inside',
    });
    expect((await lstat(path.join(target, 'link-to-file'))).isSymbolicLink()).toBe(false);
  });

  it('makes link entries that stay inside the directory', async () => {
    const zipFile = path.join(scratch, 'links.zip');
    await craftZip(zipFile, [
      { name: 'lib/tool.js', content: 'tool' },
      { name: 'bin/tool', content: '../lib/tool.js', mode: 0o120777 },
    ]);
    const target = path.join(scratch, 'target');

    expect(await extractZip(zipFile, target)).toEqual(['lib/tool.js', 'bin/tool']);
    expect(await readlink(path.join(target, 'bin/tool'))).toBe('../lib/tool.js');
    expect(await readFile(path.join(target, 'bin/tool'), 'utf8')).toBe('tool');
  });
});

/** Entry names that would leave the directory, and how refusals quote them. */
const ESCAPING_NAMES: [string, string, string][] = [
  ['a parent path', '../evil.txt', '../evil.txt'],
  ['a parent path in the middle', 'a/../../evil.txt', 'a/../../evil.txt'],
  ['a deeper parent path', 'a/b/../../../../evil.txt', 'a/b/../../../../evil.txt'],
  ['an absolute path', '/tmp/sluice-evil.txt', '/tmp/sluice-evil.txt'],
  // Zips made on Windows may separate with backslashes, which are read as slashes.
  ['a backslash parent path', '..\\evil.txt', '../evil.txt'],
];

/** Link targets that lead outside the directory. */
const ESCAPING_TARGETS: [string, string][] = [
  ['a parent target', '../outside'],
  ['an absolute target', '/etc'],
  ['a target that climbs out through a subdirectory', 'sub/../../outside'],
];

/** Zips whose entries clash in the tree they would make, and the entry each refusal names. */
const TREE_CONFLICTS: [string, CraftedEntry[], string][] = [
  // Lexically `here/..` is the directory itself; through the link `here -> .` it is its parent.
  [
    'a link whose target climbs out through another link',
    [
      { name: 'here', content: '.', mode: 0o120777 },
      { name: 'evil', content: 'here/../outside', mode: 0o120777 },
    ],
    'evil',
  ],
  [
    'a link beside another entry that fails, leaving no link behind',
    [
      { name: 'evil', content: '../outside', mode: 0o120777 },
      { name: 'taken', content: 'a file' },
      { name: 'taken', content: 'x', mode: 0o120777 },
    ],
    'taken',
  ],
  [
    'a file below a file that the entry before it wrote',
    [
      { name: 'taken', content: 'a file' },
      { name: 'taken/inside.txt', content: 'x' },
    ],
    'taken/inside.txt',
  ],
  [
    'a file written through a link that the zip made',
    [
      { name: 'up', content: '..', mode: 0o120777 },
      { name: 'up/evil.txt', content: 'evil' },
    ],
    'up',
  ],
];

describe('extractZip refuses what would escape the directory', () => {
  async function expectRefused(entries: CraftedEntry[], entryName: string): Promise<void> {
    const zipFile = path.join(scratch, 'evil.zip');
    await craftZip(zipFile, entries);
    const workspace = path.join(scratch, 'workspace', 'target');

    const extraction = extractZip(zipFile, workspace);

    await expect(extraction).rejects.toThrow(BadInputError);
    await expect(extraction).rejects.toThrow(JSON.stringify(entryName));
    expect((await readdir(scratch)).sort()).toEqual(['evil.zip', 'workspace']);
    expect(await readdir(path.join(scratch, 'workspace'))).toEqual(['target']);
    const left = await readdir(workspace, { recursive: true });
    for (const name of left) expect((await lstat(path.join(workspace, name))).isSymbolicLink()).toBe(false);
  }

  it.each(ESCAPING_NAMES)('an entry with %s', async (_, name, reportedName) => {
    await expectRefused(
      [
        { name: 'fine.txt', content: 'fine' },
        { name, content: 'evil' },
      ],
      reportedName,
    );
    await expect(stat('/tmp/sluice-evil.txt')).rejects.toThrow('ENOENT');
  });

  it.each(ESCAPING_TARGETS)('a link with %s', async (_, target) => {
    await expectRefused(
      [
        { name: 'sub/file.txt', content: 'x' },
        { name: 'evil', content: target, mode: 0o120777 },
      ],
      'evil',
    );
  });

  it.each(TREE_CONFLICTS)('%s', async (_, entries, entryName) => {
    await expectRefused(entries, entryName);
  });
});

describe('readZipFiles', () => {
  /** A zip, in yazl's default mode rw-rw-r--, of three small files (one nested, one executable), two of more than 1 MiB, a directory and a link. */
  async function siteZip(zipFile: string, big: Buffer): Promise<void> {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('<h1>hello</h1>'), 'index.html');
    zip.addBuffer(Buffer.from('console.log(1);'), 'assets/js/app.js');
    zip.addBuffer(Buffer.from('#!/bin/sh\n'), 'bin/run', { mode: 0o100755 });
    zip.addBuffer(big, 'media/big.bin');
    zip.addBuffer(Buffer.alloc(2 * 1024 * 1024), 'zeros.bin');
    zip.addEmptyDirectory('empty');
    zip.addBuffer(Buffer.from('index.html'), 'latest', { mode: 0o120777 });
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(zipFile));
  }

  async function bytesOf(data: Buffer | NodeJS.ReadableStream): Promise<Buffer> {
    return Buffer.isBuffer(data) ? data : buffer(data);
  }

  it('hands over the regular files, sorted, with their bytes, modes and sizes, small ones whole and large ones streamed, and writes nothing', async () => {
    const zipFile = path.join(scratch, 'site.zip');
    const big = randomBytes(1536 * 1024);
    await siteZip(zipFile, big);
    const root = path.join(scratch, 'site');

    const files = await readZipFiles(zipFile, root, DEFAULT_ARTIFACT_LIMITS, async (entries) =>
      Promise.all(
        entries.map(async ({ name, mode, size, read }) => {
          const data = await read();
          return { name, mode, size, whole: Buffer.isBuffer(data), bytes: await bytesOf(data) };
        }),
      ),
    );

    expect(files.map(({ name, mode, size, whole }) => ({ name, mode, size, whole }))).toEqual([
      { name: 'assets/js/app.js', mode: 0o664, size: 15, whole: true },
      { name: 'bin/run', mode: 0o755, size: 10, whole: true },
      { name: 'index.html', mode: 0o664, size: 14, whole: true },
      { name: 'media/big.bin', mode: 0o664, size: big.length, whole: false },
      { name: 'zeros.bin', mode: 0o664, size: 2 * 1024 * 1024, whole: false },
    ]);
    expect(files.find((file) => file.name === 'media/big.bin')!.bytes.equals(big)).toBe(true);
    expect(files.find((file) => file.name === 'zeros.bin')!.bytes.equals(Buffer.alloc(2 * 1024 * 1024))).toBe(true);
    expect(files.find((file) => file.name === 'assets/js/app.js')!.bytes.toString()).toBe('console.log(1);');
    expect(await readdir(scratch)).toEqual(['site.zip']);
  });

  it('hands over the later of two files at one path, as extraction leaves it, and a path as extraction normalizes it', async () => {
    const zipFile = path.join(scratch, 'twice.zip');
    await craftZip(zipFile, [
      { name: 'a//b/./page.html', content: 'first' },
      { name: 'a/b/page.html', content: 'second' },
    ]);

    const files = await readZipFiles(zipFile, path.join(scratch, 'site'), DEFAULT_ARTIFACT_LIMITS, async (entries) =>
      Promise.all(entries.map(async (entry) => [entry.name, (await bytesOf(await entry.read())).toString()])),
    );

    expect(files).toEqual([['a/b/page.html', 'second']]);
    await extractZip(zipFile, path.join(scratch, 'extracted'));
    expect(await readFile(path.join(scratch, 'extracted', 'a/b/page.html'), 'utf8')).toBe('second');
  });

  /** The message each refuses `entries` with: reading in place first, while the directory does not exist, then extracting into it. */
  async function refusals(entries: CraftedEntry[], limits: UnpackLimits = DEFAULT_ARTIFACT_LIMITS): Promise<{ read: string; extracted: string }> {
    const zipFile = path.join(scratch, 'refused.zip');
    await craftZip(zipFile, entries);
    const directory = path.join(scratch, 'target');
    const refusal = (error: unknown) => {
      expect(error).toBeInstanceOf(BadInputError);
      return (error as Error).message;
    };
    const read = await readZipFiles(zipFile, directory, limits, async () => 'handed over').then((outcome) => outcome, refusal);
    expect(await readdir(scratch)).toEqual(['refused.zip']);
    const extracted = await extractZip(zipFile, directory, limits).then((names) => names.join(), refusal);
    return { read, extracted };
  }

  it.each(ESCAPING_NAMES)('refuses an entry with %s as extraction does', async (_, name, reportedName) => {
    const { read, extracted } = await refusals([
      { name: 'fine.txt', content: 'fine' },
      { name, content: 'evil' },
    ]);
    expect(read).toContain(JSON.stringify(reportedName));
    expect(read).toBe(extracted);
  });

  it.each(ESCAPING_TARGETS)('refuses a link with %s as extraction does', async (_, target) => {
    const { read, extracted } = await refusals([
      { name: 'sub/file.txt', content: 'x' },
      { name: 'evil', content: target, mode: 0o120777 },
    ]);
    expect(read).toMatch(/^zip entry "evil" is a link to .* which leads outside/);
    expect(read).toBe(extracted);
  });

  it.each<[string, CraftedEntry[], string]>([
    ...TREE_CONFLICTS,
    [
      'a file where a directory entry stands',
      [
        { name: 'docs', content: '', mode: 0o040755 },
        { name: 'docs', content: 'a file' },
      ],
      'docs',
    ],
  ])('refuses %s as extraction does', async (_, entries, entryName) => {
    const { read, extracted } = await refusals(entries);
    expect(read).toContain(JSON.stringify(entryName));
    expect(read).toBe(extracted);
  });

  it('refuses a zip past the entry cap or the byte cap as extraction does', async () => {
    const threeFiles = ['a', 'b', 'c'].map((name) => ({ name, content: 'x'.repeat(600) }));

    const overEntries = await refusals(threeFiles, { maxEntries: 2, maxUnpackedBytes: 10_000 });
    expect(overEntries.read).toMatch(/more than 2 entries.*artifacts\.maxEntries/);
    expect(overEntries.read).toBe(overEntries.extracted);
    await removeDirectory(path.join(scratch, 'target'));
    const overBytes = await refusals(threeFiles, { maxEntries: 10, maxUnpackedBytes: 1000 });
    expect(overBytes.read).toMatch(/more than 1000 bytes.*artifacts\.maxUnpackedBytes/);
    expect(overBytes.read).toBe(overBytes.extracted);
  });
});
