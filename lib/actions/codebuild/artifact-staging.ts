import { copyFileSync, linkSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, readdir, readlink, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import { isWithin, realLocation } from '../../artifacts/containment';
import { TimeSlices } from '../../artifacts/time-slices';
import { ActionFailedError } from '../../core/errors';
import type { ArtifactFiles, BuildspecArtifacts } from './buildspec';
import type { BuildLog } from './build-log';

/** A fresh directory holding exactly the files of one artifact, laid out as the artifact is zipped. */
export interface StagedArtifact {
  directory: string;
  /** Paths relative to `directory`, with `/` separators: files, and the links that `keepsLinks` keeps. */
  files: string[];
  /** enable-symlinks: yes. The directory holds links, to be zipped as links rather than followed. */
  keepsLinks: boolean;
}

export interface StagedArtifacts {
  primary?: StagedArtifact;
  secondary: Record<string, StagedArtifact>;
}

/**
 * Stages the buildspec's primary and secondary artifacts from the source directory, as CodeBuild's
 * UPLOAD_ARTIFACTS phase collects them, in fresh directories under `temporaryRoot`. Throws
 * ActionFailedError with CodeBuild's message when an artifact has no files; on any failure nothing
 * staged is left behind.
 *
 * Symbolic links: with `enable-symlinks: yes` a link that leads to a place inside the artifact's
 * base directory stays a link; otherwise a link to a file is followed, as CodeBuild does. A link
 * that leads outside the source directory is left out, with a line in the build log, whatever the
 * setting: a build's output never carries a file of the machine it ran on.
 */
export async function stageArtifacts(
  artifacts: BuildspecArtifacts,
  sourceDirectory: string,
  log: BuildLog,
  temporaryRoot: string = tmpdir(),
): Promise<StagedArtifacts> {
  const staged: StagedArtifacts = { secondary: {} };
  try {
    if (artifacts.files) staged.primary = await stageArtifact({ ...artifacts, files: artifacts.files }, sourceDirectory, log, temporaryRoot);
    for (const [identifier, secondary] of Object.entries(artifacts['secondary-artifacts'] ?? {})) {
      staged.secondary[identifier] = await stageArtifact(secondary, sourceDirectory, log, temporaryRoot);
    }
    return staged;
  } catch (error) {
    await removeStagedArtifacts(staged);
    throw error;
  }
}

export async function removeStagedArtifacts(staged: StagedArtifacts): Promise<void> {
  const directories = [staged.primary, ...Object.values(staged.secondary)].flatMap((artifact) => (artifact ? [artifact.directory] : []));
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
}

async function stageArtifact(spec: ArtifactFiles, sourceDirectory: string, log: BuildLog, temporaryRoot: string): Promise<StagedArtifact> {
  const baseDirectory = spec['base-directory'] ?? '.';
  const base = path.resolve(sourceDirectory, baseDirectory);
  if (isOutside(sourceDirectory, base)) {
    throw new ActionFailedError(`base-directory ${baseDirectory} is outside CODEBUILD_SRC_DIR; give a path inside the source`);
  }
  log.container(`Expanding base directory path: ${baseDirectory}`);
  const candidates = await entriesUnder(base);
  if (candidates === undefined) throw new ActionFailedError(`no matching base directory path found for ${baseDirectory}`);

  log.container('Assembling file list');
  const excluded = picomatch(spec['exclude-paths'] ?? [], { dot: true });
  const selected = new Set<string>();
  for (const pattern of spec.files) {
    log.container(`Expanding ${pattern}`);
    const matches = picomatch(pattern.replace(/^\.\//, ''), { dot: true });
    const found = [...candidates.keys()].filter((file) => matches(file));
    if (found.length === 0) log.container(`Skipping invalid file path ${pattern}`);
    for (const file of found) if (!excluded(file)) selected.add(file);
  }
  if (selected.size === 0) throw new ActionFailedError('no matching artifact paths found');

  const keepsLinks = spec['enable-symlinks'] === true && !spec['discard-paths'];
  const tree = { source: await realpath(sourceDirectory), base: await realpath(base), keepsLinks };
  const directory = await mkdtemp(path.join(temporaryRoot, 'sluice-artifact-'));
  const placed = new Set<string>();
  const madeDirectories = new Set<string>();
  const slices = new TimeSlices();
  try {
    for (const from of [...selected].sort()) {
      await slices.pause();
      const to = spec['discard-paths'] ? path.posix.basename(from) : from;
      const placement = await placementOf(tree, from, candidates.get(from)!);
      if (placement.kind === 'skip') {
        if (placement.reason) log.container(`Skipping ${from}: ${placement.reason}`);
        continue;
      }
      if (placed.has(to)) throw new ActionFailedError(`discard-paths: yes puts two files at ${to}; rename one or keep the paths`);
      placed.add(to);
      const destination = path.join(directory, to);
      const parent = path.dirname(destination);
      if (!madeDirectories.has(parent)) {
        mkdirSync(parent, { recursive: true });
        madeDirectories.add(parent);
      }
      if (placement.kind === 'link') symlinkSync(placement.target, destination);
      else placeFile(placement.file, destination);
    }
    if (placed.size === 0) throw new ActionFailedError('no matching artifact paths found');
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return { directory, files: [...placed], keepsLinks };
}

type Placement = { kind: 'copy'; file: string } | { kind: 'link'; target: string } | { kind: 'skip'; reason?: string };

/**
 * A hard link where the file system allows one, and a copy where it does not (another device, or
 * no links): the staged tree is only read, to be zipped, then removed, and a link is one call where
 * a copy of a small file is several. Synchronous, in the caller's time slices: one call each costs
 * less than its round trip to the thread pool.
 */
function placeFile(file: string, destination: string): void {
  try {
    linkSync(file, destination);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw error;
    copyFileSync(file, destination);
  }
}

/** How one selected entry goes into the artifact: its own bytes, a link, or not at all. */
async function placementOf(tree: { source: string; base: string; keepsLinks: boolean }, name: string, kind: 'file' | 'link'): Promise<Placement> {
  const location = path.join(tree.base, ...name.split('/'));
  if (kind === 'file') return { kind: 'copy', file: location };
  const target = await readlink(location);
  const leadsTo = await realLocation(path.dirname(location), target).catch(() => undefined);
  if (leadsTo === undefined || !isWithin(tree.source, leadsTo)) {
    return { kind: 'skip', reason: `it is a symbolic link to ${target}, outside CODEBUILD_SRC_DIR` };
  }
  if (tree.keepsLinks && isWithin(tree.base, leadsTo)) return { kind: 'link', target: path.relative(path.dirname(location), leadsTo) || '.' };
  const isFile = await stat(leadsTo).then(
    (found) => found.isFile(),
    () => false,
  );
  // A followed link to a directory or to nothing brings no file of its own.
  return isFile ? { kind: 'copy', file: leadsTo } : { kind: 'skip' };
}

/** Whether `location` is outside `directory`, by its path alone. */
export function isOutside(directory: string, location: string): boolean {
  const fromDirectory = path.relative(directory, location);
  return fromDirectory === '..' || fromDirectory.startsWith(`..${path.sep}`) || path.isAbsolute(fromDirectory);
}

/**
 * The files and symbolic links below `directory` (links to directories are not walked into), by
 * path relative to it with `/` separators; undefined if it is not a directory.
 */
export async function entriesUnder(directory: string): Promise<Map<string, 'file' | 'link'> | undefined> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => undefined);
  if (entries === undefined) return undefined;
  const found = new Map<string, 'file' | 'link'>();
  for (const entry of entries) {
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const name = path.relative(directory, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    found.set(name, entry.isFile() ? 'file' : 'link');
  }
  return found;
}
