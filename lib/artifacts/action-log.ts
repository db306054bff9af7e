import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BlobStore, S3Location } from '../ports/blob-store';
import type { ActionLogRef, ExecutionDependencies } from './dependencies';
import { actionLogKey } from './dependencies';

/** An action's log: written to a file as it comes, shown live, and stored beside the artifacts when the action ends. */
export class ActionLog {
  private readonly file: WriteStream;

  constructor(
    private readonly deps: ExecutionDependencies,
    private readonly ref: ActionLogRef & { pipelineName: string },
    private readonly path: string,
  ) {
    this.file = createWriteStream(path);
  }

  readonly write = (text: string): void => {
    this.file.write(text);
    this.deps.onLog?.(this.ref, text);
  };

  get location(): S3Location {
    return { bucketName: this.deps.artifactBucket, objectKey: actionLogKey(this.ref) };
  }

  /** Closes the file and uploads it; returns where it went. */
  async store(): Promise<S3Location> {
    this.file.end();
    await once(this.file, 'close');
    const { size } = await stat(this.path);
    await this.deps.blobs.put(this.location, createReadStream(this.path), { contentType: 'text/plain; charset=utf-8', contentLength: size });
    return this.location;
  }
}

/**
 * An action log's text as a stream. CodeBuild's S3 logging writes the build log gzipped, as
 * `<action log prefix>/<build uuid>.gz`; it is read back as text.
 */
export async function openActionLog(blobs: BlobStore, location: S3Location): Promise<Readable> {
  const { body } = await blobs.get(location);
  return location.objectKey.endsWith('.gz') ? body.pipe(createGunzip()) : body;
}
