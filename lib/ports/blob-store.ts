import type { Readable } from 'node:stream';
import { NotFoundError } from '../core/errors';

/** Where an object lives: CodePipeline's S3ArtifactLocation. */
export interface S3Location {
  bucketName: string;
  objectKey: string;
}

/** S3's canned ACLs that an object may be given (log-delivery-write is for buckets only). */
export const OBJECT_CANNED_ACLS = [
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'aws-exec-read',
  'bucket-owner-read',
  'bucket-owner-full-control',
] as const;
export type ObjectCannedAcl = (typeof OBJECT_CANNED_ACLS)[number];

export interface PutOptions {
  contentType?: string;
  cacheControl?: string;
  /** Replaces the object's ACL with this canned one. */
  acl?: ObjectCannedAcl;
  /** Encrypts the object with this KMS key (SSE-KMS): a key id, key ARN or alias ARN. */
  kmsKeyId?: string;
  /** The body's length in bytes, when a stream's is known: it then goes up in one request. */
  contentLength?: number;
}

export interface GetOptions {
  /** A version of the object other than its latest, in a versioned bucket. */
  versionId?: string;
}

export interface StoredObject {
  eTag?: string;
  versionId?: string;
}

/** Objects in buckets: S3 on AWS, the embedded S3 locally. Bodies are streamed, never held whole. */
export interface BlobStore {
  put(location: S3Location, body: Readable | Buffer | string, options?: PutOptions): Promise<StoredObject>;
  /** Rejects with a `BlobNotFoundError` when there is no such object, or no such version of it. */
  get(location: S3Location, options?: GetOptions): Promise<StoredObject & { body: Readable; contentLength?: number }>;
  /** Rejects with a `BlobNotFoundError` when there is no such object. */
  head(location: S3Location): Promise<StoredObject & { contentLength?: number }>;
  /** The keys in a bucket that start with `prefix`, every page of them. */
  listKeys(bucketName: string, prefix: string): Promise<string[]>;
  /** Deletes an object; one that is not there is no error. */
  delete(location: S3Location): Promise<void>;
  /** Creates the bucket if it does not exist. */
  ensureBucket(bucketName: string): Promise<void>;
}

/** A URL that reads one object without credentials of its own, until it expires. */
export interface BlobLink {
  url: string;
  expiresAt: Date;
}

/** Links to objects that a browser follows itself: S3's presigned URLs on AWS. */
export interface BlobLinks {
  /** A link that downloads the object as an attachment named `filename`, for `expiresInSeconds`. */
  downloadLink(location: S3Location, options: { filename: string; expiresInSeconds: number }): Promise<BlobLink>;
}

export class BlobNotFoundError extends NotFoundError {
  constructor(
    readonly location: S3Location,
    options?: { cause?: unknown },
  ) {
    super(`s3://${location.bucketName}/${location.objectKey} does not exist`, options);
  }
}
