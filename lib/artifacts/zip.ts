import { constants } from 'node:fs';
import { mkdir, open, readdir, readlink, realpath, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync } from 'node:zlib';
import picomatch from 'picomatch';
import yauzl, { type Entry, type ZipFile as ZipReader } from 'yauzl';
import { ZipFile } from 'yazl';
import { BadInputError } from '../core/errors';
import { DEFAULT_ARTIFACT_LIMITS } from '../core/installation-settings';
import { isWithin, makeDirectoriesWithin, realLocation } from './containment';

const FILE_TYPE_MASK = 0o170000;
const SYMLINK_TYPE = 0o120000;
const DIRECTORY_TYPE = 0o040000;
/** A link target longer than PATH_MAX is not a link target. */
const MAX_LINK_TARGET_BYTES = 4096;

export interface ZipDirectoryOptions {
  /** picomatch globs, relative to the directory, that select the files to include. Default: all. */
  files?: string[];
  /** Store links that lead inside the directory as links (CodeBuild's enable-symlinks), not as what they point to. */
  keepLinks?: boolean;
  /**
   * Deflate the files that shrink (the default), or store every file as it is: where the zip is
   * written and read on one machine, deflating costs more time than the smaller zip saves.
   */
  compress?: boolean;
}

/**
 * Streams a zip of the files below `directory`, with their modes, so executables stay executable.
 * Links that lead to a place inside the directory are followed and stored as what they point to,
 * or kept as links with `keepLinks`; links that lead outside it are left out, and so are links
 * that lead nowhere unless they are kept. Empty directories are not stored.
 *
 * @example
 * await pipeline(zipDirectory('build', { files: ['dist/**', 'appspec.yml'] }), createWriteStream('out.zip'));
 */
export function zipDirectory(directory: string, options: ZipDirectoryOptions = {}): Readable {
  const zip = new ZipFile();
  const output = new PassThrough();
  zip.on('error', (error: Error) => output.destroy(error));
  zip.outputStream.pipe(output);
  addTree(zip, directory, options).then(
    () => zip.end(),
    (error: unknown) => output.destroy(error as Error),
  );
  return output;
}

interface Tree {
  root: string;
  selected: (name: string) => boolean;
  keepLinks: boolean;
  compress: boolean;
}

async function addTree(zip: ZipFile, directory: string, options: ZipDirectoryOptions): Promise<void> {
  const root = await realpath(directory);
  const selected = options.files ? picomatch(options.files, { dot: true }) : () => true;
  await addDirectory(zip, { root, selected, keepLinks: options.keepLinks === true, compress: options.compress !== false }, root, '', [root]);
}

async function addDirectory(zip: ZipFile, tree: Tree, directory: string, prefix: string, ancestors: string[]): Promise<void> {
  const entries = await readdir(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const name = prefix + entry.name;
    let real = path.join(directory, entry.name);
    if (entry.isSymbolicLink() && tree.keepLinks) {
      await addLink(zip, tree, real, name);
      continue;
    }
    if (entry.isSymbolicLink()) {
      const target = await realpath(real).catch(() => undefined);
      if (target === undefined || !isWithin(tree.root, target)) continue;
      real = target;
    }
    const stats = await stat(real);
    if (stats.isDirectory()) {
      // A link to an ancestor would make the walk endless.
      if (!ancestors.includes(real)) await addDirectory(zip, tree, real, `${name}/`, [...ancestors, real]);
    } else if (stats.isFile() && tree.selected(name)) {
      zip.addFile(real, name, tree.compress && (await worthCompressing(real)) ? { compressionLevel: ZIP_COMPRESSION_LEVEL } : { compress: false });
    }
  }
}

/** A link entry holds its target as its content, as Info-ZIP's `zip --symlinks` writes it. */
async function addLink(zip: ZipFile, tree: Tree, link: string, name: string): Promise<void> {
  const target = await readlink(link);
  const leadsTo = await realLocation(path.dirname(link), target).catch(() => undefined);
  if (leadsTo === undefined || !isWithin(tree.root, leadsTo) || !tree.selected(name)) return;
  zip.addBuffer(Buffer.from(target), name, { mode: SYMLINK_TYPE | 0o777, compress: false });
}

/**
 * Deflate's fastest level: artifacts are written once and read a few times, and level 6 (zip's
 * default) takes several times as long for a few percent less on source code and builds.
 */
const ZIP_COMPRESSION_LEVEL = 1;

/** How much of a file is tried before deciding whether deflating it is worth the time. */
const COMPRESSIBILITY_SAMPLE_BYTES = 64 * 1024;

/**
 * Already-compressed files (images, archives, fonts, media) do not shrink, and deflating them costs
 * more than storing them: a sample from the start of the file decides, as archivers do.
 */
async function worthCompressing(file: string): Promise<boolean> {
  const handle = await open(file, constants.O_RDONLY);
  try {
    const sample = Buffer.alloc(COMPRESSIBILITY_SAMPLE_BYTES);
    const { bytesRead } = await handle.read(sample, 0, sample.length, 0);
    if (bytesRead < 512) return true;
    return deflateRawSync(sample.subarray(0, bytesRead), { level: ZIP_COMPRESSION_LEVEL }).length < bytesRead * 0.9;
  } finally {
    await handle.close();
  }
}

/** Caps on what one zip may unpack to: the installation settings `artifacts.maxUnpackedBytes` and `artifacts.maxEntries`. */
export interface UnpackLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

const SETTINGS_HINT = 'in settings.json in the data dir';

/** Counts the bytes really inflated, whatever the zip's headers claim, and stops past the cap. */
class UnpackedBytes {
  private total = 0;

  constructor(private readonly limit: number) {}

  /** Refuses early an entry whose declared size alone passes the cap. */
  expect(declaredSize: number): void {
    if (this.total + declaredSize > this.limit) throw this.refusal();
  }

  counter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.total += chunk.length;
        done(this.total > this.limit ? this.refusal() : null, chunk);
      },
    });
  }

  private refusal(): BadInputError {
    return new BadInputError(
      `The zip unpacks to more than ${this.limit} bytes, the most an artifact may unpack to; it is refused. If it is expected, raise artifacts.maxUnpackedBytes ${SETTINGS_HINT}.`,
    );
  }
}

/**
 * Extracts `zipFile` into `directory` one entry at a time, keeping file modes, and returns the
 * names of the files and links it wrote. An entry whose path leaves the directory (`../x`, `/x`,
 * `a/../../x`), and a link that leads outside it, are refused with a `BadInputError` that names
 * the entry; nothing is ever written outside the directory. Links are made after every file,
 * so that no file is written through one. A zip with more entries than `limits.maxEntries`, or
 * that inflates to more than `limits.maxUnpackedBytes`, is refused when the cap is passed.
 */
export async function extractZip(zipFile: string, directory: string, limits: UnpackLimits = DEFAULT_ARTIFACT_LIMITS): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const root = await realpath(directory);
  const zip = await openZip(zipFile);
  const written: string[] = [];
  const links: { name: string; destination: string; target: string }[] = [];
  const unpacked = new UnpackedBytes(limits.maxUnpackedBytes);
  const writes = new ConcurrentWrites(CONCURRENT_FILE_WRITES);
  const directories = new DirectoriesWithin(root, (directory) => writes.written(directory));
  let entries = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (++entries > limits.maxEntries) {
        throw new BadInputError(
          `The zip has more than ${limits.maxEntries} entries, the most an artifact may have; it is refused. If it is expected, raise artifacts.maxEntries ${SETTINGS_HINT}.`,
        );
      }
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      const destination = destinationOf(root, name);
      const type = (entry.externalFileAttributes >>> 16) & FILE_TYPE_MASK;
      if (name.endsWith('/') || type === DIRECTORY_TYPE) {
        await directories.make(destination, name);
      } else if (destination === root) {
        throw new BadInputError(`zip entry ${JSON.stringify(name)} names the extraction directory itself, not a file in it`);
      } else if (type === SYMLINK_TYPE) {
        links.push({ name, destination, target: await linkTarget(zip, entry, name) });
      } else {
        unpacked.expect(entry.uncompressedSize);
        await writes.start(destination, async () => {
          await directories.make(path.dirname(destination), name);
          await writeFile(zip, entry, destination, name, unpacked.counter());
        });
        written.push(name);
      }
    }
    await writes.finish();
    await makeLinks(root, links);
  } finally {
    await writes.settle();
    zip.close();
  }
  return [...written, ...links.map((link) => link.name)];
}

/**
 * Files are written this many at a time: a small file's open, write and close are round trips to
 * libuv's thread pool, and one after the other they leave the disk and the pool waiting.
 */
const CONCURRENT_FILE_WRITES = 8;

/**
 * The writes of one extraction, up to `limit` at once. Two entries of the same name are written
 * one after the other, in the zip's order, so that the last one wins as it does one at a time.
 * The first write that fails stops the extraction: `start` and `finish` throw its error.
 */
class ConcurrentWrites {
  private readonly running = new Set<Promise<void>>();
  private readonly latest = new Map<string, Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async start(destination: string, write: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    this.throwIfFailed();
    const previous = this.latest.get(destination);
    const running: Promise<void> = (previous ? previous.then(write) : write())
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.running.delete(running);
        if (this.latest.get(destination) === running) this.latest.delete(destination);
      });
    this.running.add(running);
    this.latest.set(destination, running);
  }

  /** Settles when the last write to `destination` started so far has, however it went. */
  written(destination: string): Promise<void> {
    return this.latest.get(destination) ?? Promise.resolve();
  }

  /** Waits for every write, and throws the first failure. */
  async finish(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for every write, whatever happened, so that nothing writes after the extraction returns. */
  async settle(): Promise<void> {
    await Promise.all(this.running);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}

/**
 * The directories that one extraction made or found below its root, each checked once. A checked
 * directory stays one: a file cannot be opened over it, and links are made after every file.
 * A directory is checked after the writes of files at its path that came before it in the zip,
 * so that a file in the way is found as it is one entry at a time.
 */
class DirectoriesWithin {
  private readonly checked = new Map<string, Promise<void>>();

  constructor(
    private readonly root: string,
    private readonly written: (path: string) => Promise<void>,
  ) {}

  make(directory: string, name: string): Promise<void> {
    let made = this.checked.get(directory);
    if (!made) {
      const parent = path.dirname(directory);
      // Each directory after its parent, so that two entries never race to make the same one.
      const parentMade = directory === this.root || parent === this.root ? Promise.resolve() : this.make(parent, name);
      made = parentMade.then(async () => {
        await this.written(directory);
        await makeDirectories(this.root, directory, name);
      });
      this.checked.set(directory, made);
    }
    return made;
  }
}

async function openZip(zipFile: string): Promise<ZipReader> {
  try {
    // Names are decoded and checked here, not by yauzl, so that a refusal says which entry and why.
    return await yauzl.openPromise(zipFile, { lazyEntries: true, autoClose: false, decodeStrings: false });
  } catch (error) {
    throw new BadInputError(`${zipFile} is not a zip that can be read: ${(error as Error).message}`, { cause: error });
  }
}

function destinationOf(root: string, name: string): string {
  if (name === '' || name.includes('\0') || /^[a-zA-Z]:/.test(name) || path.isAbsolute(name)) {
    throw new BadInputError(`zip entry ${JSON.stringify(name)} has an absolute or empty path; only relative paths can be extracted`);
  }
  const destination = path.resolve(root, name);
  if (!isWithin(root, destination)) {
    throw new BadInputError(`zip entry ${JSON.stringify(name)} would be written outside ${root}; the zip is refused`);
  }
  return destination;
}

async function makeDirectories(root: string, directory: string, name: string): Promise<void> {
  const obstacle = await makeDirectoriesWithin(root, directory);
  if (obstacle !== undefined) {
    throw new BadInputError(`zip entry ${JSON.stringify(name)} would be written through ${obstacle}, which is not a directory`);
  }
}

async function writeFile(zip: ZipReader, entry: Entry, destination: string, name: string, counter: Transform): Promise<void> {
  const mode = (entry.externalFileAttributes >>> 16) & 0o777 || 0o644;
  // O_NOFOLLOW: an existing link at the destination must not redirect the write.
  const file = await open(destination, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, mode).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ELOOP') throw new BadInputError(`zip entry ${JSON.stringify(name)} would be written through a link`);
      throw error;
    },
  );
  try {
    await file.chmod(mode);
    await pipeline(await zip.openReadStreamPromise(entry), counter, file.createWriteStream());
  } finally {
    await file.close();
  }
}

async function linkTarget(zip: ZipReader, entry: Entry, name: string): Promise<string> {
  if (entry.uncompressedSize > MAX_LINK_TARGET_BYTES) {
    throw new BadInputError(`zip entry ${JSON.stringify(name)} is a link with a ${entry.uncompressedSize}-byte target; that is not a path`);
  }
  return text(await zip.openReadStreamPromise(entry));
}

/**
 * Makes every link, then checks where each one leads in the finished tree, where no later entry
 * can change it. On refusal, no link that the zip made is left behind.
 */
async function makeLinks(root: string, links: { name: string; destination: string; target: string }[]): Promise<void> {
  const made: string[] = [];
  try {
    for (const link of links) {
      await makeDirectories(root, path.dirname(link.destination), link.name);
      await symlink(link.target, link.destination).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw new BadInputError(`zip entry ${JSON.stringify(link.name)} is a link, but something already exists at that path`);
        throw error;
      });
      made.push(link.destination);
    }
    for (const link of links) {
      const leadsTo = await realLocation(path.dirname(link.destination), link.target);
      if (!isWithin(root, leadsTo)) {
        throw new BadInputError(
          `zip entry ${JSON.stringify(link.name)} is a link to ${JSON.stringify(link.target)}, which leads outside ${root}; the zip is refused`,
        );
      }
    }
  } catch (error) {
    await Promise.all(made.map((destination) => rm(destination, { force: true })));
    throw error;
  }
}
