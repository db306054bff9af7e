import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  fchmodSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { mkdir, readlink, realpath, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import picomatch from 'picomatch';
import yauzl, { type Entry, type ZipFile as ZipReader } from 'yauzl';
import { ZipFile } from 'yazl';
import { BadInputError } from '../core/errors';
import { DEFAULT_ARTIFACT_LIMITS } from '../core/installation-settings';
import { isWithin, makeDirectoriesWithin, realLocation, type PathFound } from './containment';
import { TimeSlices } from './time-slices';

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
  slices: TimeSlices;
}

async function addTree(zip: ZipFile, directory: string, options: ZipDirectoryOptions): Promise<void> {
  const root = await realpath(directory);
  const selected = options.files ? picomatch(options.files, { dot: true }) : () => true;
  const tree = { root, selected, keepLinks: options.keepLinks === true, compress: options.compress !== false, slices: new TimeSlices() };
  await addDirectory(zip, tree, root, '', [root]);
}

/** The walk stats each entry synchronously, in time slices: see TimeSlices. */
async function addDirectory(zip: ZipFile, tree: Tree, directory: string, prefix: string, ancestors: string[]): Promise<void> {
  const entries = readdirSync(directory, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    await tree.slices.pause();
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
    const stats = statSync(real);
    if (stats.isDirectory()) {
      // A link to an ancestor would make the walk endless.
      if (!ancestors.includes(real)) await addDirectory(zip, tree, real, `${name}/`, [...ancestors, real]);
    } else if (stats.isFile() && tree.selected(name)) {
      addFile(zip, real, name, stats, tree.compress && worthCompressing(real));
    }
  }
}

/** Files up to this size are read whole, with one synchronous call, when the zip comes to them. */
const SMALL_FILE_BYTES = 1024 * 1024;

/**
 * Adds a file, read when the zip comes to it: one file's bytes are held at a time, however many
 * files the zip has.
 */
function addFile(zip: ZipFile, file: string, name: string, stats: Stats, compress: boolean): void {
  const options = { mtime: stats.mtime, mode: stats.mode, size: stats.size, ...(compress ? { compressionLevel: ZIP_COMPRESSION_LEVEL } : { compress: false }) };
  zip.addReadStreamLazy(name, options, (callback) => {
    // yazl listens for errors on the streams it opens itself, not on these.
    const fail = (error: unknown) => zip.emit('error', error);
    if (stats.size > SMALL_FILE_BYTES) {
      callback(null, createReadStream(file).on('error', fail));
      return;
    }
    let contents: Buffer;
    try {
      contents = readFileSync(file);
    } catch (error) {
      fail(error);
      return;
    }
    callback(null, Readable.from([contents], { objectMode: false }));
  });
}

/** A link entry holds its target as its content, as Info-ZIP's `zip --symlinks` writes it. */
async function addLink(zip: ZipFile, tree: Tree, link: string, name: string): Promise<void> {
  const target = await readlink(link);
  const leadsTo = await realLocation(path.dirname(link), target).catch(() => undefined);
  if (leadsTo === undefined || !isWithin(tree.root, leadsTo) || !tree.selected(name)) return;
  zip.addBuffer(Buffer.from(target), name, { mode: SYMLINK_TYPE | 0o777, compress: false });
}

/** A file whose bytes come from elsewhere than a directory on disk, such as a git object. */
export interface ZipSourceFile {
  name: string;
  /** The file's mode, type bits included: `0o100644` or `0o100755`. */
  mode: number;
  /** Its bytes, asked for one file at a time, in the order given. */
  read: () => Promise<Buffer>;
}

/**
 * Streams a zip of `files`, in their order, with their modes. Each file is read while the one
 * before it is written, so two files' bytes are held at a time, however many files the zip has.
 * Files that shrink are deflated, as zipDirectory decides it, unless `compress` is false.
 */
export function zipFiles(files: ZipSourceFile[], { compress = true }: { compress?: boolean } = {}): Readable {
  const mtime = new Date();
  const zip = new ZipFile();
  const output = new PassThrough();
  zip.on('error', (error: Error) => output.destroy(error));
  zip.outputStream.pipe(output);
  const fail = (error: unknown) => zip.emit('error', error);
  let next = 0;
  // yazl takes how to store an entry when it is added, so an entry is added once its bytes are read.
  const addNext = async () => {
    const file = files[next++];
    if (file === undefined) {
      zip.end();
      return;
    }
    const contents = await file.read();
    const deflated = compress && shrinks(contents.subarray(0, COMPRESSIBILITY_SAMPLE_BYTES));
    const options = { mtime, mode: file.mode, size: contents.length, ...(deflated ? { compressionLevel: ZIP_COMPRESSION_LEVEL } : { compress: false }) };
    zip.addReadStreamLazy(file.name, options, (callback) => {
      callback(null, Readable.from([contents], { objectMode: false }));
      addNext().catch(fail);
    });
  };
  addNext().catch(fail);
  return output;
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
function worthCompressing(file: string): boolean {
  const handle = openSync(file, constants.O_RDONLY);
  try {
    const sample = Buffer.alloc(COMPRESSIBILITY_SAMPLE_BYTES);
    const bytesRead = readSync(handle, sample, 0, sample.length, 0);
    return shrinks(sample.subarray(0, bytesRead));
  } finally {
    closeSync(handle);
  }
}

/** Whether a file that starts with `sample` is worth deflating; a few hundred bytes always are. */
function shrinks(sample: Buffer): boolean {
  if (sample.length < 512) return true;
  return deflateRawSync(sample, { level: ZIP_COMPRESSION_LEVEL }).length < sample.length * 0.9;
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

  /** Counts an entry inflated whole. */
  add(bytes: number): void {
    this.total += bytes;
    if (this.total > this.limit) throw this.refusal();
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
 *
 * Small entries are read, inflated and written with synchronous calls, in time slices: an
 * artifact of a few hundred small files then unpacks in a few tens of milliseconds, where each
 * file's asynchronous open, reads, write and close took round trips to the thread pool.
 */
export async function extractZip(zipFile: string, directory: string, limits: UnpackLimits = DEFAULT_ARTIFACT_LIMITS): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const root = await realpath(directory);
  const { zip, reader } = await openZip(zipFile);
  const written: string[] = [];
  const links: ZipLink[] = [];
  const unpacked = new UnpackedBytes(limits.maxUnpackedBytes);
  const directories = new DirectoriesWithin(root);
  try {
    for await (const { entry, name, destination, type } of checkedEntries(zip, root, limits, unpacked)) {
      if (type === 'directory') {
        directories.make(destination, name);
      } else if (type === 'link') {
        links.push({ name, destination, target: await linkTarget(zip, entry, name) });
      } else {
        directories.make(path.dirname(destination), name);
        const file = openDestination(destination, name, modeOf(entry));
        try {
          const data = await entryData(zip, reader, entry, name, unpacked);
          if (Buffer.isBuffer(data)) writeFileSync(file, data);
          else await pipeline(data, createWriteStream('', { fd: file, autoClose: false }));
        } finally {
          closeSync(file);
        }
        written.push(name);
      }
    }
    await makeLinks(root, links);
  } finally {
    zip.close();
  }
  return [...written, ...links.map((link) => link.name)];
}

/** A regular file of a zip, read from the zip where it lies: see `readZipFiles`. */
export interface ZipFileEntry {
  /** The file's path below the zip's root, normalized, with `/` between its parts. */
  name: string;
  /** Its permission bits, as extraction would give them. */
  mode: number;
  /** Its length in bytes. */
  size: number;
  /**
   * Its bytes, checked as extraction checks them: whole when the entry is at most 1 MiB, and a
   * stream of `size` bytes past that.
   */
  read(): Promise<Buffer | Readable>;
}

/**
 * Hands `use` the regular files of `zipFile`, sorted by name, to be read straight from the zip:
 * nothing is written to disk. Every entry is checked first as `extractZip` into `root` would
 * check it, and the same zips are refused with the same messages, which name `root`. Directories
 * and links are checked but not handed over; of two files at one path, the later is handed over,
 * as extraction would leave it. The zip stays open until `use` settles.
 *
 * @example
 * await readZipFiles('site.zip', 'site', limits, async (files) => {
 *   for (const file of files) await upload(file.name, await file.read(), file.size);
 * });
 */
export async function readZipFiles<T>(zipFile: string, root: string, limits: UnpackLimits, use: (files: ZipFileEntry[]) => Promise<T>): Promise<T> {
  const tree = new EntryTree(path.resolve(root));
  const { zip, reader } = await openZip(zipFile);
  try {
    const declared = new UnpackedBytes(limits.maxUnpackedBytes);
    const links: ZipLink[] = [];
    for await (const { entry, name, destination, type } of checkedEntries(zip, tree.root, limits, declared)) {
      if (type === 'directory') {
        tree.makeDirectories(destination, name);
      } else if (type === 'link') {
        links.push({ name, destination, target: await linkTarget(zip, entry, name) });
      } else {
        tree.addFile(destination, name, entry);
        declared.add(entry.uncompressedSize);
      }
    }
    await tree.addLinks(links);
    const unpacked = new UnpackedBytes(limits.maxUnpackedBytes);
    const files = tree.files().map(({ key, name, entry }) => ({
      name: key,
      mode: modeOf(entry),
      size: entry.uncompressedSize,
      read: () => entryData(zip, reader, entry, name, unpacked),
    }));
    return await use(files);
  } finally {
    zip.close();
  }
}

/** An entry of a zip, as extraction and reading in place both see it once its path is checked. */
interface CheckedEntry {
  entry: Entry;
  /** The entry's path as the zip writes it, which refusals quote. */
  name: string;
  /** Where it would be written below the root. */
  destination: string;
  type: 'directory' | 'link' | 'file';
}

/**
 * The zip's entries in its order, in time slices. Refuses the entry past `limits.maxEntries`, one
 * whose path is not below `root`, and a file whose declared size alone would take `unpacked` past
 * its cap: the caller counts each file's bytes into `unpacked` before it asks for the next entry.
 */
async function* checkedEntries(zip: ZipReader, root: string, limits: UnpackLimits, unpacked: UnpackedBytes): AsyncGenerator<CheckedEntry> {
  const slices = new TimeSlices();
  let entries = 0;
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
      yield { entry, name, destination, type: 'directory' };
    } else if (destination === root) {
      throw new BadInputError(`zip entry ${JSON.stringify(name)} names the extraction directory itself, not a file in it`);
    } else if (type === SYMLINK_TYPE) {
      yield { entry, name, destination, type: 'link' };
    } else {
      unpacked.expect(entry.uncompressedSize);
      yield { entry, name, destination, type: 'file' };
    }
    await slices.pause();
  }
}

/** A file's permission bits, or rw-r--r-- when the zip gives none. */
function modeOf(entry: Entry): number {
  return (entry.externalFileAttributes >>> 16) & 0o777 || 0o644;
}

/** A file entry's bytes, counted into `unpacked`: read whole when it is small, streamed otherwise. */
async function entryData(zip: ZipReader, reader: ZipFileReader, entry: Entry, name: string, unpacked: UnpackedBytes): Promise<Buffer | Readable> {
  if (isSmall(entry)) return smallEntryData(zip, reader, entry, name, unpacked);
  const stored = await zip.openReadStreamPromise(entry);
  const counted = unpacked.counter();
  stored.on('error', (error) => counted.destroy(error));
  // A reader that gives up on the bytes closes the counter; the zip's stream then lets go of its descriptor.
  counted.on('close', () => stored.destroy());
  return stored.pipe(counted);
}

/** Entries up to this size, before and after inflating, are read and written whole. */
const SMALL_ENTRY_BYTES = 1024 * 1024;

/** Stored or deflated, not encrypted, and small: the entries read whole; yauzl streams the rest and refuses what it cannot read. */
function isSmall(entry: Entry): boolean {
  return (
    (entry.compressionMethod === 0 || entry.compressionMethod === 8) &&
    !entry.isEncrypted() &&
    entry.compressedSize <= SMALL_ENTRY_BYTES &&
    entry.uncompressedSize <= SMALL_ENTRY_BYTES
  );
}

async function smallEntryData(zip: ZipReader, reader: ZipFileReader, entry: Entry, name: string, unpacked: UnpackedBytes): Promise<Buffer> {
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const stored = reader.readRange(fileDataStart, entry.compressedSize);
  let data = stored;
  if (entry.compressionMethod === 8) {
    try {
      data = inflateRawSync(stored, { maxOutputLength: Math.max(entry.uncompressedSize, 1) });
    } catch (error) {
      throw new BadInputError(
        `zip entry ${JSON.stringify(name)} cannot be inflated to its declared ${entry.uncompressedSize} bytes: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  if (data.length !== entry.uncompressedSize) {
    throw new BadInputError(
      `zip entry ${JSON.stringify(name)} holds ${data.length} bytes, not the ${entry.uncompressedSize} its header declares; the zip is damaged`,
    );
  }
  unpacked.add(data.length);
  return data;
}

/**
 * The directories that one extraction made or found below its root, each checked once. A checked
 * directory stays one: a file cannot be opened over it, and links are made after every file.
 * Entries are written in the zip's order, so a directory is checked after the files at its path
 * that came before it, and a file in the way is found.
 */
class DirectoriesWithin {
  private readonly checked = new Set<string>();

  constructor(private readonly root: string) {}

  make(directory: string, name: string): void {
    if (this.checked.has(directory)) return;
    makeDirectories(this.root, directory, name);
    for (let checked = directory; isWithin(this.root, checked) && !this.checked.has(checked); checked = path.dirname(checked)) this.checked.add(checked);
  }
}

/**
 * The zip file, read with synchronous positioned reads: yauzl reads each entry's header in two
 * small reads, which through the thread pool cost more than the parsing. Entry data that is
 * streamed (the large entries) is read by a stream of its own, which may close its descriptor.
 */
class ZipFileReader extends yauzl.RandomAccessReader {
  private closed = false;

  constructor(
    private readonly zipFile: string,
    private readonly fd: number,
  ) {
    super();
  }

  readRange(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    const bytesRead = length === 0 ? 0 : readSync(this.fd, buffer, 0, length, position);
    if (bytesRead < length) throw new BadInputError(`the zip ends before the ${length} bytes at ${position} that its index points to`);
    return buffer;
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: (error: Error | null, bytesRead?: number) => void): void {
    let bytesRead: number;
    try {
      bytesRead = readSync(this.fd, buffer, offset, length, position);
    } catch (error) {
      process.nextTick(callback, error);
      return;
    }
    process.nextTick(callback, null, bytesRead);
  }

  override _readStreamForRange(start: number, end: number): Readable {
    return createReadStream(this.zipFile, { start, end: end - 1 });
  }

  override close(callback: (error: Error | null) => void): void {
    try {
      this.closeFile();
    } catch (error) {
      process.nextTick(callback, error);
      return;
    }
    process.nextTick(callback, null);
  }

  closeFile(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

async function openZip(zipFile: string): Promise<{ zip: ZipReader; reader: ZipFileReader }> {
  let reader: ZipFileReader | undefined;
  try {
    const fd = openSync(zipFile, constants.O_RDONLY);
    reader = new ZipFileReader(zipFile, fd);
    const opened = reader;
    // Names are decoded and checked here, not by yauzl, so that a refusal says which entry and why.
    const zip = await new Promise<ZipReader>((resolve, reject) =>
      yauzl.fromRandomAccessReader(opened, fstatSync(fd).size, { lazyEntries: true, autoClose: false, decodeStrings: false }, (error, zip) =>
        error ? reject(error) : resolve(zip),
      ),
    );
    return { zip, reader };
  } catch (error) {
    reader?.closeFile();
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

function makeDirectories(root: string, directory: string, name: string): void {
  const obstacle = makeDirectoriesWithin(root, directory);
  if (obstacle !== undefined) throw writtenThrough(name, obstacle);
}

function writtenThrough(name: string, obstacle: string): BadInputError {
  return new BadInputError(`zip entry ${JSON.stringify(name)} would be written through ${obstacle}, which is not a directory`);
}

function fileOverDirectory(name: string): BadInputError {
  return new BadInputError(`zip entry ${JSON.stringify(name)} is a file, but an earlier entry made a directory at that path`);
}

function linkOverSomething(name: string): BadInputError {
  return new BadInputError(`zip entry ${JSON.stringify(name)} is a link, but something already exists at that path`);
}

function linkOutside(link: ZipLink, root: string): BadInputError {
  return new BadInputError(
    `zip entry ${JSON.stringify(link.name)} is a link to ${JSON.stringify(link.target)}, which leads outside ${root}; the zip is refused`,
  );
}

/** Opens the file an entry is written to, with the entry's mode whatever the umask. */
function openDestination(destination: string, name: string, mode: number): number {
  let file: number;
  try {
    // O_NOFOLLOW: an existing link at the destination must not redirect the write.
    file = openSync(destination, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new BadInputError(`zip entry ${JSON.stringify(name)} would be written through a link`);
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw fileOverDirectory(name);
    throw error;
  }
  try {
    fchmodSync(file, mode);
  } catch (error) {
    closeSync(file);
    throw error;
  }
  return file;
}

async function linkTarget(zip: ZipReader, entry: Entry, name: string): Promise<string> {
  if (entry.uncompressedSize > MAX_LINK_TARGET_BYTES) {
    throw new BadInputError(`zip entry ${JSON.stringify(name)} is a link with a ${entry.uncompressedSize}-byte target; that is not a path`);
  }
  return text(await zip.openReadStreamPromise(entry));
}

/** A link entry: made, or checked, after every file. */
interface ZipLink {
  name: string;
  destination: string;
  target: string;
}

/**
 * Makes every link, then checks where each one leads in the finished tree, where no later entry
 * can change it. On refusal, no link that the zip made is left behind.
 */
async function makeLinks(root: string, links: ZipLink[]): Promise<void> {
  const made: string[] = [];
  try {
    for (const link of links) {
      makeDirectories(root, path.dirname(link.destination), link.name);
      await symlink(link.target, link.destination).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw linkOverSomething(link.name);
        throw error;
      });
      made.push(link.destination);
    }
    for (const link of links) {
      const leadsTo = await realLocation(path.dirname(link.destination), link.target);
      if (!isWithin(root, leadsTo)) throw linkOutside(link, root);
    }
  } catch (error) {
    await Promise.all(made.map((destination) => rm(destination, { force: true })));
    throw error;
  }
}

type TreeNode = { kind: 'directory' } | { kind: 'file'; name: string; entry: Entry } | { kind: 'link'; target: string };

/**
 * The tree that extracting a zip into `root` would make, held in memory: it refuses what
 * extraction refuses (a path through a file or a link, a link over something, a link that leads
 * outside the root), in the same order and with the same messages, without writing anything.
 */
class EntryTree {
  private readonly nodes = new Map<string, TreeNode>();

  constructor(readonly root: string) {}

  /** As `makeDirectoriesWithin`: every missing directory down to `directory`, none through a file or a link. */
  makeDirectories(directory: string, name: string): void {
    let current = this.root;
    for (const part of path.relative(this.root, directory).split(path.sep)) {
      if (part === '') continue;
      current = path.join(current, part);
      const node = this.nodes.get(current);
      if (!node) this.nodes.set(current, { kind: 'directory' });
      else if (node.kind !== 'directory') throw writtenThrough(name, path.relative(this.root, current));
    }
  }

  addFile(destination: string, name: string, entry: Entry): void {
    this.makeDirectories(path.dirname(destination), name);
    if (this.nodes.get(destination)?.kind === 'directory') throw fileOverDirectory(name);
    this.nodes.set(destination, { kind: 'file', name, entry });
  }

  /** As `makeLinks`: every link, then where each one leads in the finished tree. */
  async addLinks(links: ZipLink[]): Promise<void> {
    for (const link of links) {
      this.makeDirectories(path.dirname(link.destination), link.name);
      if (this.nodes.has(link.destination)) throw linkOverSomething(link.name);
      this.nodes.set(link.destination, { kind: 'link', target: link.target });
    }
    const lookUp = async (location: string): Promise<PathFound> => {
      const node = this.nodes.get(location);
      if (!node) return { kind: 'nothing' };
      return node.kind === 'link' ? { kind: 'link', target: node.target } : { kind: 'other' };
    };
    for (const link of links) {
      const leadsTo = await realLocation(path.dirname(link.destination), link.target, lookUp);
      if (!isWithin(this.root, leadsTo)) throw linkOutside(link, this.root);
    }
  }

  /** The files, each under its key: its path below the root with `/` between its parts, sorted. */
  files(): { key: string; name: string; entry: Entry }[] {
    const files: { key: string; name: string; entry: Entry }[] = [];
    for (const [location, node] of this.nodes) {
      if (node.kind === 'file') files.push({ key: path.relative(this.root, location).split(path.sep).join('/'), name: node.name, entry: node.entry });
    }
    return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
