import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { exportCommitTree, zipCommitTree } from '../../lib/actions/git-tree-export';
import { zipDirectory } from '../../lib/artifacts/zip';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd, stdio: 'pipe' })
    .toString()
    .trim();

interface ZipEntry {
  name: string;
  /** The mode in the external attributes, in octal. */
  mode: string;
  /** 0 stored, 8 deflated. */
  method: number;
  /** Latin-1, so that any bytes compare as quickly as text. */
  contents: string;
}

/** Every entry of the zip, in its order. */
async function entriesOf(zipFile: string): Promise<ZipEntry[]> {
  const zip = await yauzl.openPromise(zipFile, { lazyEntries: true });
  const entries: ZipEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      entries.push({
        name: entry.fileName,
        mode: (entry.externalFileAttributes >>> 16).toString(8),
        method: entry.compressionMethod,
        contents: Buffer.concat(chunks).toString('latin1'),
      });
    }
  } finally {
    zip.close();
  }
  return entries;
}

const byName = (entries: ZipEntry[]) => Object.fromEntries(entries.map((entry) => [entry.name, entry]));

describe('zipCommitTree', () => {
  let root: string;
  let zips: string;
  // Both span several of the chunks that cat-file's output comes in.
  const binary = randomBytes(300 * 1024);
  const lines = 'a line of text\n'.repeat(20000);

  /** A new repository holding `build` in its work tree, with one commit of it. */
  async function repository(name: string, build: (dir: string) => Promise<void>): Promise<{ dir: string; commit: string }> {
    const dir = path.join(root, name);
    await mkdir(dir);
    git(root, 'init', '--quiet', '--initial-branch', 'main', dir);
    await build(dir);
    git(dir, 'add', '.');
    git(dir, 'commit', '--quiet', '-m', 'first');
    return { dir, commit: git(dir, 'rev-parse', 'HEAD') };
  }

  let plain: { dir: string; commit: string };
  let linked: { dir: string; commit: string };

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sluice-git-zip-'));
    zips = path.join(root, 'zips');
    await mkdir(zips);
    plain = await repository('plain', async (dir) => {
      await mkdir(path.join(dir, 'src', 'deep'), { recursive: true });
      await mkdir(path.join(dir, 'a'));
      await writeFile(path.join(dir, 'README.md'), 'first\nline\n');
      await writeFile(path.join(dir, 'src', 'deep', 'main.js'), 'export const main = 1;\n');
      await writeFile(path.join(dir, 'build.sh'), '#!/bin/sh\necho built\n', { mode: 0o755 });
      // `a/` and `a.txt`: git lists `a.txt` first, a directory's walk `a/b.txt` first.
      await writeFile(path.join(dir, 'a', 'b.txt'), 'b\n');
      await writeFile(path.join(dir, 'a.txt'), 'a\n');
      await writeFile(path.join(dir, 'image.bin'), binary);
      await writeFile(path.join(dir, 'lines.txt'), lines);
      await writeFile(path.join(dir, '.gitattributes'), '* text eol=crlf\n*.bin binary\nREADME.md export-ignore\n');
    });
    // A later commit and an uncommitted .gitattributes, which the zip of the first commit must not show.
    await writeFile(path.join(plain.dir, 'README.md'), 'second\n');
    git(plain.dir, 'commit', '--quiet', '-am', 'second');
    await writeFile(path.join(plain.dir, '.gitattributes'), '* -text\n');

    linked = await repository('linked', async (dir) => {
      await mkdir(path.join(dir, 'src'));
      await writeFile(path.join(dir, 'src', 'main.js'), 'export const main = 1;\n');
      await symlink('src/main.js', path.join(dir, 'main-link.js'));
      await symlink('../../outside.txt', path.join(dir, 'src', 'outside-link.txt'));
      await symlink('nowhere.txt', path.join(dir, 'dangling-link.txt'));
    });
    await writeFile(path.join(root, 'outside.txt'), 'outside the tree\n');
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  let count = 0;
  const zipFile = () => path.join(zips, `${(count += 1)}.zip`);

  /** The zip the commit's tree made before: written out with read-tree and checkout-index (or isomorphic-git), then zipped. */
  async function zippedFromCheckout(dir: string, commit: string, { compress = true, program = 'git' } = {}): Promise<ZipEntry[]> {
    const tree = await mkdtemp(path.join(root, 'checkout-'));
    await exportCommitTree(dir, commit, tree, program);
    const zip = zipFile();
    await pipeline(zipDirectory(tree, { compress }), createWriteStream(zip));
    return entriesOf(zip);
  }

  async function zipped(dir: string, commit: string, options: { compress: boolean; program?: string }): Promise<ZipEntry[]> {
    const zip = zipFile();
    await zipCommitTree(dir, commit, zip, options);
    return entriesOf(zip);
  }

  it('zips the tree as a checkout writes it, with the same entries, bytes, modes and compression as zipping a checkout', async () => {
    const entries = await zipped(plain.dir, plain.commit, { compress: true });
    expect(entries).toEqual(await zippedFromCheckout(plain.dir, plain.commit));
    expect(entries.map((entry) => entry.name)).toEqual([
      '.gitattributes',
      'README.md',
      'a/b.txt',
      'a.txt',
      'build.sh',
      'image.bin',
      'lines.txt',
      'src/deep/main.js',
    ]);
    const files = byName(entries);
    // export-ignore is for `git archive`, not a checkout; eol=crlf is for a checkout.
    expect(files['README.md']!.contents).toBe('first\r\nline\r\n');
    expect(files['build.sh']).toMatchObject({ mode: '100755', contents: '#!/bin/sh\r\necho built\r\n' });
    expect(files['src/deep/main.js']!.mode).toBe('100644');
    expect(files['image.bin']).toMatchObject({ method: 0, contents: binary.toString('latin1') });
    expect(files['a.txt']!.method).toBe(8);
    expect(files['lines.txt']!.contents).toBe(lines.replaceAll('\n', '\r\n'));
  });

  it('stores every file as it is when compression is off', async () => {
    const entries = await zipped(plain.dir, plain.commit, { compress: false });
    expect(entries).toEqual(await zippedFromCheckout(plain.dir, plain.commit, { compress: false }));
    expect(new Set(entries.map((entry) => entry.method))).toEqual(new Set([0]));
  });

  it('applies the commit’s .gitattributes in a clone without a work tree, as a source action clones', async () => {
    const clone = path.join(root, 'clone');
    git(root, 'clone', '--quiet', '--no-checkout', plain.dir, clone);
    const files = byName(await zipped(clone, plain.commit, { compress: true }));
    expect(files['README.md']!.contents).toBe('first\r\nline\r\n');
  });

  it('gives a tree with links the artifact it had: a link within the tree as what it leads to, the others left out', async () => {
    const entries = await zipped(linked.dir, linked.commit, { compress: true });
    expect(entries).toEqual(await zippedFromCheckout(linked.dir, linked.commit));
    expect(entries.map((entry) => [entry.name, entry.mode, entry.contents])).toEqual([
      ['main-link.js', '100644', 'export const main = 1;\n'],
      ['src/main.js', '100644', 'export const main = 1;\n'],
    ]);
  });

  it('zips a file too large to hold whole, byte for byte, beside the small files', async () => {
    // Past 64 MiB, the tree is written out and zipped from disk, which streams each file.
    const large = Buffer.alloc(65 * 1024 * 1024 + 3, 'large file\n');
    const { dir, commit } = await repository('large', async (directory) => {
      await writeFile(path.join(directory, 'large.txt'), large);
      await writeFile(path.join(directory, 'small.txt'), 'small\n');
    });
    const files = byName(await zipped(dir, commit, { compress: false }));
    expect(Object.keys(files)).toEqual(['large.txt', 'small.txt']);
    expect(files['large.txt']!.contents.length).toBe(large.length);
    expect(files['large.txt']!.contents === large.toString('latin1')).toBe(true);
    expect(files['small.txt']!.contents).toBe('small\n');
  });

  it('zips the same entries with isomorphic-git where the git program is not installed', async () => {
    const program = path.join(root, 'no-such-git');
    const entries = await zipped(plain.dir, plain.commit, { compress: true, program });
    expect(entries).toEqual(await zippedFromCheckout(plain.dir, plain.commit, { program }));
    const withGit = await zipped(plain.dir, plain.commit, { compress: true });
    expect(entries.map(({ name, mode }) => [name, mode])).toEqual(withGit.map(({ name, mode }) => [name, mode]));
    // isomorphic-git applies no .gitattributes, as it did not when it wrote the tree.
    expect(byName(entries)['README.md']!.contents).toBe('first\nline\n');
    const linkedEntries = await zipped(linked.dir, linked.commit, { compress: true, program });
    expect(linkedEntries).toEqual(await zippedFromCheckout(linked.dir, linked.commit, { program }));
    expect(linkedEntries).toEqual(await zipped(linked.dir, linked.commit, { compress: true }));
  });

  it('says which commit git could not read', async () => {
    await expect(zipCommitTree(plain.dir, 'f'.repeat(40), zipFile(), { compress: true })).rejects.toThrow(`git could not read the tree of ${'f'.repeat(40)}`);
  });

  it('says which file git could not convert when a filter fails, as a checkout fails', async () => {
    const filtered = await repository('filtered', async (dir) => {
      await writeFile(path.join(dir, 'secret.txt'), 'sealed\n');
      await writeFile(path.join(dir, '.gitattributes'), '*.txt filter=broken\n');
    });
    git(filtered.dir, 'config', 'filter.broken.smudge', 'false');
    git(filtered.dir, 'config', 'filter.broken.required', 'true');
    await expect(zippedFromCheckout(filtered.dir, filtered.commit)).rejects.toThrow('secret.txt');
    await expect(zipCommitTree(filtered.dir, filtered.commit, zipFile(), { compress: true })).rejects.toThrow(
      /git could not read the files of .*filtered: .*secret\.txt: smudge filter broken failed/s,
    );
  });

  it('leaves the repository as it was', async () => {
    const index = await readFile(path.join(plain.dir, '.git', 'index'));
    await zipped(plain.dir, plain.commit, { compress: true });
    expect(await readFile(path.join(plain.dir, '.git', 'index'))).toEqual(index);
    expect(await readFile(path.join(plain.dir, '.gitattributes'), 'utf8')).toBe('* -text\n');
  });
});

describe('exportCommitTree', () => {
  it('says which commit git could not write', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'sluice-git-export-'));
    try {
      await expect(exportCommitTree(directory, 'f'.repeat(40), directory)).rejects.toThrow(`git could not write the tree of ${'f'.repeat(40)}`);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
