import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactStore } from '../artifacts/artifact-store';
import type { ArtifactLocation } from '../core/task-payloads';
import type { BatchBuildRecord, BuildBatchRecord, BuildRecord } from '../ports/codebuild-builds';

/** CodeBuild's artifact identifiers: letters, digits and `_`. */
const IDENTIFIER = /^[A-Za-z0-9_]+$/;

/** What one output artifact of a batch build is, once the batch has ended: where a build wrote it. */
export interface BatchOutputSource {
  outputName: string;
  location: ArtifactLocation;
}

/** A batch build's outputs: each one's source, or what went wrong in naming them. */
export type BatchOutputs = { ok: true; sources: BatchOutputSource[] } | { ok: false; message: string };

/**
 * The secondary artifact identifiers that the output names may refer to. CodePipeline names a
 * build's secondary artifact `<buildIdentifier>_<artifactIdentifier>`, and a build identifier may
 * hold `_` itself, so each `_` of a name may be the one that splits it.
 */
export function secondaryArtifactCandidates(outputNames: readonly string[]): string[] {
  const candidates = outputNames.flatMap((name) => [...name.matchAll(/_/g)].map((match) => name.slice(match.index + 1)));
  return [...new Set(candidates.filter((candidate) => IDENTIFIER.test(candidate)))];
}

const succeeded = (build: BatchBuildRecord) => build.status === 'SUCCEEDED';

/** Where a build's artifact is, by its CodePipeline name: `<build>` for the primary, `<build>_<artifact>` for a secondary one. */
function artifactsByName(builds: readonly BatchBuildRecord[]): Map<string, ArtifactLocation> {
  const byName = new Map<string, ArtifactLocation>();
  for (const build of builds.filter(succeeded)) {
    if (build.primaryArtifact) byName.set(build.identifier, build.primaryArtifact);
    for (const artifact of build.secondaryArtifacts) byName.set(`${build.identifier}_${artifact.identifier}`, artifact.location);
  }
  return byName;
}

/**
 * Maps a batch build's artifacts to the action's output artifacts as CodePipeline does without
 * CombineArtifacts: the output named after a build identifier gets that build's primary artifact,
 * and `<build>_<artifact>` gets the build's secondary artifact of that identifier.
 */
export function batchOutputSources(batch: BuildBatchRecord, outputNames: readonly string[]): BatchOutputs {
  const byName = artifactsByName(batch.builds);
  const missing = outputNames.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    const available = [...byName.keys()].join(', ') || 'none';
    return {
      ok: false,
      message: `Batch build ${batch.id} wrote no artifact for output ${missing.join(', ')}. An output artifact of a batch build is named after a build identifier (its primary artifact) or <build identifier>_<artifact identifier> (a secondary one); the batch's succeeded builds wrote: ${available}.`,
    };
  }
  return { ok: true, sources: outputNames.map((outputName) => ({ outputName, location: byName.get(outputName)! })) };
}

/** The builds whose primary artifacts CombineArtifacts puts in the output artifact: each succeeded build that wrote one. */
export function combinedBuilds(batch: BuildBatchRecord): (BatchBuildRecord & { primaryArtifact: ArtifactLocation })[] {
  return batch.builds.filter((build): build is BatchBuildRecord & { primaryArtifact: ArtifactLocation } => succeeded(build) && !!build.primaryArtifact);
}

/**
 * Writes one zip to `target` that holds each build's primary artifact in a folder named by its
 * build identifier, as CodeBuild combines a batch's artifacts. Each artifact passes through a
 * directory under `workspaceRoot`, which is removed afterwards.
 */
export async function combineBatchArtifacts(
  artifacts: Pick<ArtifactStore, 'fetchArtifact' | 'storeDirectory'>,
  batch: BuildBatchRecord,
  target: ArtifactLocation,
  { workspaceRoot, kmsKeyId }: { workspaceRoot: string; kmsKeyId?: string },
): Promise<void> {
  const root = await mkdtemp(path.join(workspaceRoot, 'sluice-batch-'));
  try {
    for (const build of combinedBuilds(batch)) {
      const folder = path.join(root, build.identifier);
      await mkdir(folder);
      await artifacts.fetchArtifact(build.primaryArtifact, folder);
    }
    await artifacts.storeDirectory(target, root, { kmsKeyId });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const STATUS_WORDS: Record<string, string> = { FAILED: 'failed', FAULT: 'failed (fault)', TIMED_OUT: 'timed out', STOPPED: 'was stopped' };

/** How a build or batch ended, in words. */
export const outcomeWords = (status: string) => STATUS_WORDS[status] ?? `ended ${status}`;

/**
 * The build that made the batch fail: the first that failed, faulted or timed out without
 * ignore-failure, else the first that did not succeed (stopped when the batch failed fast).
 */
export function failingBuild(batch: BuildBatchRecord): BatchBuildRecord | undefined {
  const counted = batch.builds.filter((build) => !build.ignoreFailure && !succeeded(build));
  return counted.find((build) => ['FAILED', 'FAULT', 'TIMED_OUT'].includes(build.status)) ?? counted[0];
}

/**
 * Why a batch build did not succeed: the build that failed and its phase error, then every build's
 * status, or the batch's own failed phase (a batchspec that cannot be read) when no build failed.
 */
export function batchFailureMessage(batch: BuildBatchRecord, failing: BatchBuildRecord | undefined, failedBuild: BuildRecord | undefined): string {
  const statuses = batch.builds.map((build) => `${build.identifier} ${build.status}`).join(', ');
  const builds = statuses ? ` Builds: ${statuses}.` : '';
  if (failing) {
    const phase = failedBuild?.failedPhase;
    const where = phase ? ` in phase ${phase.phase}${phase.message ? `: ${phase.message}` : ''}` : '';
    return `Batch build ${batch.id} ${outcomeWords(batch.status)}: build ${failing.identifier}${failing.buildId ? ` (${failing.buildId})` : ''} ${outcomeWords(failing.status)}${where}.${builds}`;
  }
  const phase = batch.failedPhase;
  const where = phase ? ` in phase ${phase.phase}${phase.message ? `: ${phase.message}` : ''}` : '';
  return `Batch build ${batch.id} ${outcomeWords(batch.status)}${where}.${builds}`;
}
