import { randomBytes } from 'node:crypto';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs, { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import git from 'isomorphic-git';
import { zipDirectory, zipFiles } from '../artifacts/zip';

const run = promisify(execFile);

/** A file of a commit's tree: its path, its git mode and its blob. */
interface TreeFile {
  name: string;
  mode: number;
  oid: string;
  /** The blob's size, as git lists it; unknown where isomorphic-git lists the tree. */
  size?: number;
}

/**
 * Each file is held whole while it is zipped from the objects: a tree with a file larger than this
 * is written out and zipped from disk, which streams it.
 */
const LARGEST_FILE_HELD_BYTES = 64 * 1024 * 1024;

const LINK_MODE = 0o120000;
const EXECUTABLE_MODE = 0o100755;
const FILE_MODE = 0o100644;

/**
 * Writes to `zipFile` the zip of the tree of `commit` from the repository at `dir` (a work tree,
 * or a clone without one), without .git: the artifact that exporting the tree and zipping it with
 * zipDirectory gives, built from the git objects without writing the tree's files. The git
 * program reads the objects when it is installed, applying the conversions a checkout applies
 * (`.gitattributes` eol and filters); without it, isomorphic-git reads them, as it would write
 * them. `program` is the git program to try.
 */
export async function zipCommitTree(
  dir: string,
  commit: string,
  zipFile: string,
  { compress, program = 'git' }: { compress: boolean; program?: string },
): Promise<void> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'sluice-git-tree-'));
  try {
    const listed = await listedWithGit(program, dir, commit);
    const files = listed ?? (await listedWithIsomorphicGit(dir, commit));
    // Written out and zipped as before: a tree with links, since zipDirectory follows a link within
    // the tree to what it leads to and leaves out the others, and they must come out the same; a
    // tree with a path that has a line break, which cat-file's line-per-file input cannot name;
    // and a tree with a file too large to hold whole.
    if (files.some((file) => file.mode === LINK_MODE || (listed && file.name.includes('\n')) || (file.size ?? 0) > LARGEST_FILE_HELD_BYTES)) {
      const tree = path.join(scratch, 'tree');
      await mkdir(tree);
      await exportCommitTree(dir, commit, tree, program);
      await pipeline(zipDirectory(tree, { compress }), createWriteStream(zipFile));
      return;
    }
    files.sort((a, b) => inDirectoryOrder(a.name, b.name));
    const zipped = (read: (file: TreeFile) => Promise<Buffer>) =>
      zipFiles(
        files.map((file) => ({ name: file.name, mode: file.mode === EXECUTABLE_MODE ? EXECUTABLE_MODE : FILE_MODE, read: () => read(file) })),
        { compress },
      );
    if (!listed) {
      const cache = {};
      const read = async ({ oid }: TreeFile) => {
        const { blob } = await git.readBlob({ fs, dir, oid, cache });
        return Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
      };
      await pipeline(zipped(read), createWriteStream(zipFile));
      return;
    }
    const blobs = await CheckedOutBlobs.open(program, dir, files, path.join(scratch, 'attributes'));
    try {
      await pipeline(
        zipped((file) => blobs.read(file)),
        createWriteStream(zipFile),
      );
    } finally {
      await blobs.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** zipDirectory's order: the names in each directory sorted, a directory's files where its name sorts. */
function inDirectoryOrder(a: string, b: string): number {
  const left = a.split('/');
  const right = b.split('/');
  for (let index = 0; index < Math.min(left.length, right.length); index += 1) {
    if (left[index] !== right[index]) return left[index]! < right[index]! ? -1 : 1;
  }
  return left.length - right.length;
}

/** The files of the tree (submodules are not files, and are left out, as a checkout leaves them empty). Undefined when `program` is not installed. */
async function listedWithGit(program: string, dir: string, commit: string): Promise<TreeFile[] | undefined> {
  let listing: string;
  try {
    ({ stdout: listing } = await run(program, ['-C', dir, 'ls-tree', '-r', '-z', '--long', '--full-tree', commit], { maxBuffer: 256 * 1024 * 1024 }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw gitFailed(`read the tree of ${commit} from ${dir}`, error);
  }
  const files: TreeFile[] = [];
  for (const line of listing.split('\0')) {
    // `<mode> <type> <oid> <size, padded>\t<path>`
    const tab = line.indexOf('\t');
    const [mode, type, oid, size] = line.slice(0, tab).split(/ +/);
    if (type === 'blob') files.push({ name: line.slice(tab + 1), mode: parseInt(mode!, 8), oid: oid!, size: Number(size) });
  }
  return files;
}

async function listedWithIsomorphicGit(dir: string, commit: string): Promise<TreeFile[]> {
  const files: TreeFile[] = [];
  await git.walk({
    fs,
    dir,
    trees: [git.TREE({ ref: commit })],
    map: async (name, [entry]) => {
      if (!entry) return null;
      const type = await entry.type();
      if (type === 'blob') files.push({ name, mode: await entry.mode(), oid: await entry.oid() });
      return type === 'tree' || type === 'blob' ? true : null;
    },
  });
  return files;
}

function gitFailed(what: string, error: unknown): Error {
  return new Error(`git could not ${what}: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`, { cause: error });
}

/**
 * The bytes of a tree's files as a checkout writes them: one `git cat-file --batch --filters`
 * reads every blob with the conversions that the tree's `.gitattributes` ask for. cat-file reads
 * attributes from a work tree, relative to where it runs, not from the commit: it runs in a
 * directory of its own that holds only the tree's `.gitattributes` files, so the repository's
 * own work tree has no say, as it had none in a checkout of the commit.
 *
 * The size that cat-file writes before a converted blob is its size before conversion (git 2.39),
 * so each blob is followed by a request for an object that does not exist, named at random: its
 * `missing` line, which no file can foresee, marks where the blob's bytes end.
 */
const BUFFERED_BYTES = 1024 * 1024;

class CheckedOutBlobs {
  private readonly end = `sluice-end-of-file-${randomBytes(16).toString('hex')}`;
  private readonly endMark = Buffer.from(`\n${this.end} missing\n`);
  /** cat-file's output not read yet; past `BUFFERED_BYTES`, cat-file waits. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  private stderr = '';
  private ended: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly process: ChildProcessWithoutNullStreams,
    private readonly repository: string,
  ) {
    process.stdout.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered > BUFFERED_BYTES) process.stdout.pause();
      this.wake?.();
    });
    process.stderr.setEncoding('utf8').on('data', (text: string) => (this.stderr += text));
    this.exited = new Promise((resolve) => {
      const end = (error: Error) => {
        this.ended ??= error;
        this.wake?.();
        resolve();
      };
      process.on('error', end);
      process.on('close', (code) => end(Object.assign(new Error(`cat-file ended with exit code ${code}`), { stderr: this.stderr })));
    });
    // A write after cat-file has ended fails; the read that follows says why.
    process.stdin.on('error', () => undefined);
  }

  /** Asks for every file at once, in the order they will be read: cat-file answers while the zip is written. */
  private ask(files: TreeFile[]): void {
    this.process.stdin.end(files.map((file) => `${file.oid} ${file.name}\n${this.end} -\n`).join(''));
  }

  static async open(program: string, dir: string, files: TreeFile[], attributes: string): Promise<CheckedOutBlobs> {
    await mkdir(attributes);
    for (const file of files.filter((candidate) => path.posix.basename(candidate.name) === '.gitattributes')) {
      const { stdout } = await run(program, ['-C', dir, 'cat-file', 'blob', file.oid], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
      await mkdir(path.join(attributes, path.dirname(file.name)), { recursive: true });
      await writeFile(path.join(attributes, file.name), stdout);
    }
    const gitDir = path.resolve(existsSync(path.join(dir, '.git')) ? path.join(dir, '.git') : dir);
    const child = spawn(program, [`--git-dir=${gitDir}`, `--work-tree=${attributes}`, 'cat-file', '--batch', '--filters'], { cwd: attributes });
    const blobs = new CheckedOutBlobs(child, dir);
    blobs.ask(files);
    return blobs;
  }

  /** The file's bytes, as a checkout of it writes them; the files are read in the order `open` was given them. */
  async read(file: TreeFile): Promise<Buffer> {
    const header = (await this.line()).toString('utf8').trim();
    if (header.split(' ')[1] !== 'blob') throw new Error(`git cat-file could not read ${file.name} (${file.oid}) from ${this.repository}: ${header}`);
    return this.bytesBeforeEndMark();
  }

  /** Ends cat-file, whether or not every file was read. */
  async close(): Promise<void> {
    if (this.ended === undefined) this.process.kill();
    await this.exited;
  }

  /** The next line, its line break included. */
  private async line(): Promise<Buffer> {
    for (;;) {
      const buffered = Buffer.concat(this.chunks);
      const end = buffered.indexOf(0x0a);
      if (end >= 0) {
        this.keep([buffered.subarray(end + 1)]);
        return buffered.subarray(0, end + 1);
      }
      this.keep([buffered]);
      await this.more();
    }
  }

  /** The bytes up to the end mark, which is taken too; each chunk is searched once, with the end of the one before. */
  private async bytesBeforeEndMark(): Promise<Buffer> {
    const before: Buffer[] = [];
    let length = 0;
    let tail = Buffer.alloc(0);
    for (;;) {
      if (this.chunks.length === 0) await this.more();
      const chunk = Buffer.concat(this.chunks);
      this.keep([]);
      const searched = Buffer.concat([tail, chunk]);
      const at = searched.indexOf(this.endMark);
      if (at >= 0) {
        const all = Buffer.concat([...before, chunk]);
        const end = length - tail.length + at;
        this.keep([all.subarray(end + this.endMark.length)]);
        return all.subarray(0, end);
      }
      before.push(chunk);
      length += chunk.length;
      tail = searched.subarray(Math.max(0, searched.length - this.endMark.length + 1));
    }
  }

  /** What is left of the output after a read: cat-file goes on when it is little. */
  private keep(chunks: Buffer[]): void {
    this.chunks = chunks;
    this.buffered = chunks.reduce((total, chunk) => total + chunk.length, 0);
    if (this.buffered <= BUFFERED_BYTES) this.process.stdout.resume();
  }

  private more(): Promise<void> {
    if (this.ended) return Promise.reject(gitFailed(`read the files of ${this.repository}`, this.ended));
    return new Promise((resolve) => (this.wake = resolve));
  }
}

/**
 * Writes the tree of `commit` from the repository at `dir` (a work tree, or a clone without one)
 * into `directory`, without .git, with file modes and links kept. The git program writes it when
 * it is installed: it is many times faster than isomorphic-git on a tree of many files. Without
 * it, isomorphic-git writes it. `program` is the git program to try.
 */
export async function exportCommitTree(dir: string, commit: string, directory: string, program = 'git'): Promise<void> {
  if (await writtenWithGit(program, dir, commit, directory)) return;
  await exportWithIsomorphicGit(dir, commit, directory);
}

/**
 * `read-tree` into an index of its own, then `checkout-index`: the repository's own index and work
 * tree are never touched. False when `program` is not installed.
 */
async function writtenWithGit(program: string, dir: string, commit: string, directory: string): Promise<boolean> {
  const indexDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-git-index-'));
  const env = { ...process.env, GIT_INDEX_FILE: path.join(indexDir, 'index') };
  const git = (...args: string[]) => run(program, ['-C', dir, `--work-tree=${directory}`, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
  try {
    await git('read-tree', commit);
    await git('checkout-index', '--all');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`git could not write the tree of ${commit} from ${dir}: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`, {
      cause: error,
    });
  } finally {
    await rm(indexDir, { recursive: true, force: true });
  }
}

async function exportWithIsomorphicGit(dir: string, commit: string, directory: string): Promise<void> {
  await git.walk({
    fs,
    dir,
    trees: [git.TREE({ ref: commit })],
    map: async (filepath, [entry]) => {
      if (!entry || filepath === '.') return true;
      const target = path.join(directory, filepath);
      const type = await entry.type();
      if (type === 'tree') {
        await mkdir(target, { recursive: true });
        return true;
      }
      if (type !== 'blob') return null;
      const mode = await entry.mode();
      const content = (await entry.content())!;
      if (mode === 0o120000) await symlink(Buffer.from(content).toString('utf8'), target);
      else await writeFile(target, content, { mode: mode === 0o100755 ? 0o755 : 0o644 });
      return true;
    },
  });
}
