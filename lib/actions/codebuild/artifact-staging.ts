import { copyFile, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import picomatch from 'picomatch';
import { ActionFailedError } from '../../core/errors';
import type { ArtifactFiles, BuildspecArtifacts } from './buildspec';
import type { BuildLog } from './build-log';

/** A fresh directory holding exactly the files of one artifact, laid out as the artifact is zipped. */
export interface StagedArtifact {
  directory: string;
  /** Paths relative to `directory`, with `/` separators. */
  files: string[];
}

export interface StagedArtifacts {
  primary?: StagedArtifact;
  secondary: Record<string, StagedArtifact>;
}

/**
 * Stages the buildspec's primary and secondary artifacts from the source directory, as CodeBuild's
 * UPLOAD_ARTIFACTS phase collects them. Throws ActionFailedError with CodeBuild's message when an
 * artifact has no files; on any failure nothing staged is left behind.
 */
export async function stageArtifacts(artifacts: BuildspecArtifacts, sourceDirectory: string, log: BuildLog): Promise<StagedArtifacts> {
  const staged: StagedArtifacts = { secondary: {} };
  try {
    if (artifacts.files) staged.primary = await stageArtifact({ ...artifacts, files: artifacts.files }, sourceDirectory, log);
    for (const [identifier, secondary] of Object.entries(artifacts['secondary-artifacts'] ?? {})) {
      staged.secondary[identifier] = await stageArtifact(secondary, sourceDirectory, log);
    }
    return staged;
  } catch (error) {
    const directories = [staged.primary, ...Object.values(staged.secondary)].flatMap((artifact) => (artifact ? [artifact.directory] : []));
    await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
    throw error;
  }
}

async function stageArtifact(spec: ArtifactFiles, sourceDirectory: string, log: BuildLog): Promise<StagedArtifact> {
  const baseDirectory = spec['base-directory'] ?? '.';
  const base = path.resolve(sourceDirectory, baseDirectory);
  const fromSource = path.relative(sourceDirectory, base);
  if (fromSource === '..' || fromSource.startsWith(`..${path.sep}`) || path.isAbsolute(fromSource)) {
    throw new ActionFailedError(`base-directory ${baseDirectory} is outside CODEBUILD_SRC_DIR; give a path inside the source`);
  }
  log.container(`Expanding base directory path: ${baseDirectory}`);
  const candidates = await filesUnder(base);
  if (candidates === undefined) throw new ActionFailedError(`no matching base directory path found for ${baseDirectory}`);

  log.container('Assembling file list');
  const excluded = picomatch(spec['exclude-paths'] ?? [], { dot: true });
  const selected = new Set<string>();
  for (const pattern of spec.files) {
    log.container(`Expanding ${pattern}`);
    const matches = picomatch(pattern.replace(/^\.\//, ''), { dot: true });
    const found = candidates.filter((file) => matches(file));
    if (found.length === 0) log.container(`Skipping invalid file path ${pattern}`);
    for (const file of found) if (!excluded(file)) selected.add(file);
  }
  if (selected.size === 0) throw new ActionFailedError('no matching artifact paths found');

  const directory = await mkdtemp(path.join(tmpdir(), 'sluice-artifact-'));
  const files = [...selected].sort().map((file) => ({ from: file, to: spec['discard-paths'] ? path.posix.basename(file) : file }));
  try {
    const placed = new Set<string>();
    for (const { from, to } of files) {
      if (placed.has(to)) throw new ActionFailedError(`discard-paths: yes puts two files at ${to}; rename one or keep the paths`);
      placed.add(to);
      await mkdir(path.dirname(path.join(directory, to)), { recursive: true });
      await copyFile(path.join(base, from), path.join(directory, to));
    }
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return { directory, files: files.map(({ to }) => to) };
}

/** The files below `directory` (symbolic links to files included), or undefined if it is not a directory. */
async function filesUnder(directory: string): Promise<string[] | undefined> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => undefined);
  if (entries === undefined) return undefined;
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    const isFile = entry.isFile() || (entry.isSymbolicLink() && (await stat(full).catch(() => undefined))?.isFile() === true);
    if (isFile) files.push(path.relative(directory, full).split(path.sep).join('/'));
  }
  return files;
}
