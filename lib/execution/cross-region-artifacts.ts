import type { ArtifactStore } from '../artifacts/artifact-store';
import { artifactStoreOf, type ExecutionArtifactStore } from '../core/compile';
import type { ArtifactLocation, PipelineRef } from '../core/task-payloads';
import type { BlobStore } from '../ports/blob-store';
import type { ExecutionDependencies } from './dependencies';

type InputArtifact = { name: string; location: ArtifactLocation };

/**
 * The artifact store of the region that a cross-region action runs in, and what reaches it. As in
 * CodePipeline, such an action reads its inputs from and writes its outputs to that store; the
 * execution's home store keeps what travels between actions, so every other action finds it there.
 */
export interface RegionalArtifacts {
  region: string;
  store: ExecutionArtifactStore;
  blobs: BlobStore;
  artifacts: ArtifactStore;
}

/** Where an action whose `region` is not its execution's home region keeps its artifacts; undefined for any other action. */
export function regionalArtifactsFor(deps: ExecutionDependencies, pipeline: PipelineRef, region: string | undefined): RegionalArtifacts | undefined {
  const store = region === undefined ? undefined : pipeline.regionalArtifactStores?.[region];
  if (region === undefined || !store) return undefined;
  const blobs = deps.blobsIn?.(region) ?? deps.blobs;
  return { region, store, blobs, artifacts: deps.artifacts.through(blobs) };
}

/** Copies the action's input artifacts from where earlier actions left them into its region's store, under the same keys. */
export async function copyInputsToRegion(
  deps: ExecutionDependencies,
  regional: RegionalArtifacts,
  inputs: readonly InputArtifact[],
  log: (text: string) => void,
): Promise<InputArtifact[]> {
  const copied: InputArtifact[] = [];
  for (const { name, location } of inputs) {
    const regionalLocation = await deps.artifacts.copyArtifactTo(regional.artifacts, location, regional.store);
    log(`Copied input artifact ${name} to s3://${regionalLocation.bucketName}/${regionalLocation.objectKey}, the artifact store of ${regional.region}\n`);
    copied.push({ name, location: regionalLocation });
  }
  return copied;
}

/** Where the first run of a polling action copied its inputs, for its later runs. */
export function inputsInRegion(regional: RegionalArtifacts, inputs: readonly InputArtifact[]): InputArtifact[] {
  return inputs.map(({ name, location }) => ({ name, location: { bucketName: regional.store.bucketName, objectKey: location.objectKey } }));
}

/** Copies the action's output artifacts from its region's store to its execution's home store, under the same keys. */
export async function copyOutputsHome(
  deps: ExecutionDependencies,
  pipeline: PipelineRef,
  regional: RegionalArtifacts,
  outputs: readonly ArtifactLocation[],
  log: (text: string) => void,
): Promise<ArtifactLocation[]> {
  const home = artifactStoreOf(pipeline, deps.artifactBucket);
  const copied: ArtifactLocation[] = [];
  for (const location of outputs) {
    const homeLocation = await regional.artifacts.copyArtifactTo(deps.artifacts, location, home);
    log(`Copied output artifact s3://${location.bucketName}/${location.objectKey} to s3://${homeLocation.bucketName}, the pipeline's home artifact store\n`);
    copied.push(homeLocation);
  }
  return copied;
}

/** An execution's objects at `location`'s key in each of its regional stores: the copies its cross-region actions made. */
export function regionalCopiesOf(
  execution: Pick<PipelineRef, 'regionalArtifactStores'>,
  location: ArtifactLocation,
): { region: string; location: ArtifactLocation }[] {
  return Object.entries(execution.regionalArtifactStores ?? {}).map(([region, store]) => ({
    region,
    location: { bucketName: store.bucketName, objectKey: location.objectKey },
  }));
}
