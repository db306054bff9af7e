import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore, GetOptions, S3Location, StoredObject } from '../ports/blob-store';
import { DEFAULT_ARTIFACT_LIMITS } from '../core/installation-settings';
import { extractZip, readZipFiles, zipDirectory, type UnpackLimits, type ZipDirectoryOptions, type ZipFileEntry } from './zip';

/** Where a new artifact goes: `<pipelineName>/<artifactName>/<id>.zip` in `bucketName`. */
export interface ArtifactTarget {
  bucketName: string;
  /** The pipeline's artifactStore.encryptionKey: the object is written with SSE-KMS and this key. */
  kmsKeyId?: string;
  pipelineName: string;
  artifactName: string;
}

export interface StoreArtifactRequest extends ArtifactTarget {
  /** The directory whose files make up the artifact. */
  directory: string;
  /** picomatch globs relative to `directory`; all files when absent. */
  files?: string[];
}

/** Writes an artifact's zip to `zipFile`, deflating what shrinks or storing every file as it is. */
export type ZipWriter = (zipFile: string, options: { compress: boolean }) => Promise<void>;

/** Eight URL-safe characters: short like CodePipeline's ids, and unique enough for one pipeline's artifacts. */
function randomArtifactId(): string {
  return randomBytes(6).toString('base64url');
}

export interface ArtifactStoreOptions {
  /** The id in a new artifact's key; random unless a test needs to know it. */
  newArtifactId?: () => string;
  /** Read at each extraction, so that a change of the settings applies to the next action. */
  unpackLimits?: () => Promise<UnpackLimits>;
  /** Where zips wait on their way to and from the store. */
  temporaryRoot?: string;
  /** Deflate what shrinks (the default), or store files as they are, for a store on the same machine. */
  compress?: boolean;
}

/**
 * Output artifacts as zips in a BlobStore, at CodePipeline's `<pipeline>/<artifact>/<id>.zip`.
 * Zips are streamed in both directions and never held in memory.
 *
 * @example
 * const artifacts = new ArtifactStore(new S3BlobStore(s3));
 * const location = await artifacts.storeArtifact({ bucketName, pipelineName: 'webapp', artifactName: 'BuildOutput', directory: 'dist' });
 * await artifacts.fetchArtifact(location, 'workspace/BuildOutput');
 */
export class ArtifactStore {
  private readonly newArtifactId: () => string;
  private readonly unpackLimits: () => Promise<UnpackLimits>;
  private readonly temporaryRoot: string;

  constructor(
    private readonly blobs: BlobStore,
    private readonly options: ArtifactStoreOptions = {},
  ) {
    this.newArtifactId = options.newArtifactId ?? randomArtifactId;
    this.unpackLimits = options.unpackLimits ?? (async () => DEFAULT_ARTIFACT_LIMITS);
    this.temporaryRoot = options.temporaryRoot ?? os.tmpdir();
  }

  /** Zips `directory` to a new object at `<pipelineName>/<artifactName>/<id>.zip`. */
  async storeArtifact(request: StoreArtifactRequest): Promise<S3Location> {
    const location = this.newLocation(request);
    await this.storeDirectory(location, request.directory, { files: request.files, kmsKeyId: request.kmsKeyId });
    return location;
  }

  /**
   * Streams the object at `source`, a zip, to a new artifact at `<pipelineName>/<artifactName>/<id>.zip`,
   * as the S3 source action does. Returns where it went, and the ETag and version of what was copied.
   * Rejects with a `BlobNotFoundError` when there is no object at `source`, or not the version asked for.
   */
  async copyObjectAsArtifact(source: S3Location, target: ArtifactTarget, options: GetOptions = {}): Promise<{ location: S3Location; copied: StoredObject }> {
    const location = this.newLocation(target);
    const copied = await copyZip({ blobs: this.blobs, location: source, options }, { blobs: this.blobs, location, kmsKeyId: target.kmsKeyId });
    return { location, copied };
  }

  /**
   * Streams the zip at `source` to `location`, a location the caller chose, as a batch build's
   * artifacts are put where CodePipeline's layout wants them. Returns the ETag and version of what
   * was copied; rejects with a `BlobNotFoundError` when there is no object at `source`.
   */
  async copyObject(source: S3Location, location: S3Location, options: GetOptions & Pick<ArtifactTarget, 'kmsKeyId'> = {}): Promise<StoredObject> {
    const { kmsKeyId, ...getOptions } = options;
    return copyZip({ blobs: this.blobs, location: source, options: getOptions }, { blobs: this.blobs, location, kmsKeyId });
  }

  /**
   * Streams the artifact at `source` to `bucket`, under the same key, through `destination`: the
   * store of another region, whose S3 only its own clients reach. Returns where it went.
   */
  async copyArtifactTo(destination: ArtifactStore, source: S3Location, bucket: Pick<ArtifactTarget, 'bucketName' | 'kmsKeyId'>): Promise<S3Location> {
    const location = { bucketName: bucket.bucketName, objectKey: source.objectKey };
    await copyZip({ blobs: this.blobs, location: source }, { blobs: destination.blobs, location, kmsKeyId: bucket.kmsKeyId });
    return location;
  }

  /** The same store, reaching S3 through `blobs`: another region's, for a cross-region action. */
  through(blobs: BlobStore): ArtifactStore {
    return new ArtifactStore(blobs, this.options);
  }

  /** Zips `directory` to a location that the caller chose, as CodeBuild's artifact overrides do. */
  async storeDirectory(location: S3Location, directory: string, options: ZipDirectoryOptions & Pick<ArtifactTarget, 'kmsKeyId'> = {}): Promise<void> {
    await this.storeZip(
      location,
      (zipFile) => pipeline(zipDirectory(directory, { compress: this.options.compress, ...options }), createWriteStream(zipFile)),
      options.kmsKeyId,
    );
  }

  /**
   * Stores the zip that `writeZip` writes to the file it is given as a new object at
   * `<pipelineName>/<artifactName>/<id>.zip`: for an artifact whose files are not in a directory.
   * `writeZip` is told whether to deflate, as the store's `compress` option says.
   */
  async storeZipArtifact(target: ArtifactTarget, writeZip: ZipWriter): Promise<S3Location> {
    const location = this.newLocation(target);
    await this.storeZip(location, (zipFile) => writeZip(zipFile, { compress: this.options.compress !== false }), target.kmsKeyId);
    return location;
  }

  /** Puts the zip that `writeZip` writes at `location`. */
  private async storeZip(location: S3Location, writeZip: (zipFile: string) => Promise<void>, kmsKeyId: string | undefined): Promise<void> {
    // Writing the zip to a file first gives the upload its length, so it goes up in one request.
    const temporaryDirectory = await mkdtemp(path.join(this.temporaryRoot, 'sluice-artifact-'));
    try {
      const zipFile = path.join(temporaryDirectory, 'artifact.zip');
      await writeZip(zipFile);
      const { size } = await stat(zipFile);
      await this.blobs.put(location, createReadStream(zipFile), { contentType: 'application/zip', contentLength: size, kmsKeyId });
    } finally {
      await rm(temporaryDirectory, { recursive: true, force: true });
    }
  }

  /**
   * Extracts the artifact at `location` into `directory` and returns the names it wrote. A zip
   * past the unpack limits is refused with a `BadInputError` that names the cap.
   * Rejects with a `BlobNotFoundError` when there is no such artifact.
   */
  async fetchArtifact(location: S3Location, directory: string): Promise<string[]> {
    return this.withArtifactZip(location, async (zipFile) => extractZip(zipFile, directory, await this.unpackLimits()));
  }

  /**
   * Hands `use` the regular files of the artifact at `location`, sorted by name, to be read
   * straight from its zip without extracting it: see `readZipFiles`. The artifact is refused as
   * `fetchArtifact` into `directory` would refuse it, with the same messages, though nothing is
   * written there. Rejects with a `BlobNotFoundError` when there is no such artifact.
   *
   * @example
   * await artifacts.readArtifactFiles(location, 'workspace/Site', async (files) => files.map((file) => file.name));
   */
  async readArtifactFiles<T>(location: S3Location, directory: string, use: (files: ZipFileEntry[]) => Promise<T>): Promise<T> {
    return this.withArtifactZip(location, async (zipFile) => readZipFiles(zipFile, directory, await this.unpackLimits(), use));
  }

  /** Downloads the artifact at `location` for `use`: through a temporary file, because a zip's index sits at its end. */
  private async withArtifactZip<T>(location: S3Location, use: (zipFile: string) => Promise<T>): Promise<T> {
    const temporaryDirectory = await mkdtemp(path.join(this.temporaryRoot, 'sluice-artifact-'));
    try {
      const zipFile = path.join(temporaryDirectory, 'artifact.zip');
      await pipeline((await this.blobs.get(location)).body, createWriteStream(zipFile));
      return await use(zipFile);
    } finally {
      await rm(temporaryDirectory, { recursive: true, force: true });
    }
  }

  /** Where a new artifact of `target` goes; custom actions hand it to their job worker, which writes the zip there. */
  newLocation(target: ArtifactTarget): S3Location {
    return { bucketName: target.bucketName, objectKey: `${target.pipelineName}/${target.artifactName}/${this.newArtifactId()}.zip` };
  }
}

/** Streams one zip object from one blob store to another (or the same): a GetObject and a PutObject, as across regions. */
async function copyZip(
  from: { blobs: BlobStore; location: S3Location; options?: GetOptions },
  to: { blobs: BlobStore; location: S3Location; kmsKeyId?: string },
): Promise<StoredObject> {
  const object = await from.blobs.get(from.location, from.options);
  try {
    await to.blobs.put(to.location, object.body, { contentType: 'application/zip', contentLength: object.contentLength, kmsKeyId: to.kmsKeyId });
  } catch (error) {
    // A failed upload may leave the download unread; release its connection.
    object.body.destroy();
    throw error;
  }
  return { eTag: object.eTag, versionId: object.versionId };
}
