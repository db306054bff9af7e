import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ExecutionArtifactStore } from '../core/compile';
import { BlobNotFoundError, type BlobStore, type S3Location } from '../ports/blob-store';

/** The action a log belongs to. */
export interface ActionLogRef {
  executionId: string;
  stageName: string;
  actionName: string;
}

/** The S3 key of an action's log, beside the pipeline's artifacts. */
export function actionLogKey(ref: ActionLogRef & { pipelineName: string }): string {
  return `${actionLogPrefix(ref)}.log`;
}

/** The S3 prefix of an action's logs: CodeBuild's S3 logging writes `<prefix>/<build uuid>.gz`. */
export function actionLogPrefix(ref: ActionLogRef & { pipelineName: string }): string {
  return `${executionLogPrefix(ref)}${ref.stageName}/${ref.actionName}`;
}

/** The S3 prefix of an execution's action logs. */
export function executionLogPrefix(ref: { pipelineName: string; executionId: string }): string {
  return `${ref.pipelineName}/logs/${ref.executionId}/`;
}

/**
 * Where an action's log is: where its end recorded it, or, while it runs, where it will go in
 * `bucketName`, its execution's artifact bucket.
 */
export function actionLogLocation(action: ActionLogRef & { logLocation?: S3Location }, ref: { pipelineName: string; bucketName: string }): S3Location {
  return action.logLocation ?? { bucketName: ref.bucketName, objectKey: actionLogKey({ ...action, pipelineName: ref.pipelineName }) };
}

/** Where action logs go, and whoever shows them live. */
export interface ActionLogDependencies {
  blobs: BlobStore;
  /** Action log text as it is written, for live display. */
  onLog?: (ref: ActionLogRef, text: string) => void;
}

/** An action's log: written to a file as it comes, shown live, and stored beside the artifacts when the action ends. */
export class ActionLog {
  private readonly file: WriteStream;

  constructor(
    private readonly deps: ActionLogDependencies,
    private readonly ref: ActionLogRef & { pipelineName: string },
    private readonly path: string,
    /** Its execution's artifact store: the log goes beside the artifacts, encrypted as they are. */
    private readonly destination: ExecutionArtifactStore,
  ) {
    this.file = createWriteStream(path);
  }

  readonly write = (text: string): void => {
    this.file.write(text);
    this.deps.onLog?.(this.ref, text);
  };

  get location(): S3Location {
    return { bucketName: this.destination.bucketName, objectKey: actionLogKey(this.ref) };
  }

  /** Begins the log with what the earlier runs of the same action stored: a polling action's runs write one log. */
  async resume(): Promise<void> {
    const earlier = await openActionLog(this.deps.blobs, this.location).catch((error: unknown) => {
      if (error instanceof BlobNotFoundError) return undefined;
      throw error;
    });
    if (earlier) for await (const chunk of earlier) this.file.write(chunk as Buffer);
  }

  /**
   * Closes the file and uploads it; returns where it went. An empty log is not uploaded, and has no
   * location: every reader takes a log that is not there for an empty one.
   */
  async store(): Promise<S3Location | undefined> {
    this.file.end();
    await once(this.file, 'close');
    const { size } = await stat(this.path);
    if (size === 0) return undefined;
    await this.deps.blobs.put(this.location, createReadStream(this.path), {
      contentType: 'text/plain; charset=utf-8',
      contentLength: size,
      kmsKeyId: this.destination.kmsKeyId,
    });
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
