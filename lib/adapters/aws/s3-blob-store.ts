import { Readable } from 'node:stream';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetBucketLocationCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { BadInputError } from '../../core/errors';
import { bucketNameProblem, objectKeyProblem } from '../../core/object-keys';
import { BlobNotFoundError, type BlobStore, type GetOptions, type PutOptions, type S3Location, type StoredObject } from '../../ports/blob-store';
import type { AccessContext } from '../../core/errors';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/** The largest object one PutObject may carry. */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

/** HeadObject reports a missing object as a bare 404, `NotFound`; a missing bucket or version means no object either. */
const MISSING_OBJECT = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket', 'NoSuchVersion']);

/** A read of a missing object is refused, not answered 404, when the role may not list the bucket. */
const MISSING_OBJECT_HINT = 'S3 also answers AccessDenied for a missing object when the role lacks s3:ListBucket on the bucket.';

/** Refuses, before any request, a location whose bucket or key could lead outside a bucket's directory. */
function checkLocation(location: S3Location): void {
  const problem = bucketNameProblem(location.bucketName) ?? objectKeyProblem(location.objectKey);
  if (problem) throw new BadInputError(`s3://${location.bucketName}/${location.objectKey}: the ${problem}.`);
}

/**
 * The BlobStore on S3, or on anything that speaks its API, with a client that the caller builds.
 * No checksum algorithm is ever requested, so the client's own checksum settings apply.
 *
 * @example
 * const blobs = new S3BlobStore(new S3Client({}));
 * await blobs.put({ bucketName: 'artifacts', objectKey: 'app/Source/abc.zip' }, createReadStream('app.zip'));
 */
export class S3BlobStore implements BlobStore {
  constructor(
    private readonly s3: S3Client,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  async put(location: S3Location, body: Readable | Buffer | string, options: PutOptions = {}): Promise<StoredObject> {
    checkLocation(location);
    const params = {
      Bucket: location.bucketName,
      Key: location.objectKey,
      Body: body,
      ContentType: options.contentType,
      CacheControl: options.cacheControl,
      ACL: options.acl,
      ...(options.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: options.kmsKeyId } : {}),
    };
    // A stream of unknown length goes up in 5 MB parts and is never held whole. One of known
    // length goes up in one request: fewer round trips, and no reassembly of parts afterwards.
    const inParts = body instanceof Readable && !(options.contentLength !== undefined && options.contentLength <= MAX_SINGLE_PUT_BYTES);
    const stored = await withAccessExplained(this.access('s3:PutObject', location), () =>
      inParts ? new Upload({ client: this.s3, params }).done() : this.s3.send(new PutObjectCommand({ ...params, ContentLength: options.contentLength })),
    );
    return { eTag: stored.ETag, versionId: stored.VersionId };
  }

  async get(location: S3Location, options: GetOptions = {}): Promise<StoredObject & { body: Readable; contentLength?: number }> {
    // Reading a version other than the latest is its own permission.
    checkLocation(location);
    const action = options.versionId ? 's3:GetObjectVersion' : 's3:GetObject';
    const object = await this.notFoundAsBlobError(location, () =>
      withAccessExplained(this.access(action, location, MISSING_OBJECT_HINT), () =>
        this.s3.send(new GetObjectCommand({ Bucket: location.bucketName, Key: location.objectKey, VersionId: options.versionId })),
      ),
    );
    if (!(object.Body instanceof Readable)) {
      throw new TypeError(`s3://${location.bucketName}/${location.objectKey}: the S3 client did not return a Node.js stream`);
    }
    return { body: object.Body, contentLength: object.ContentLength, eTag: object.ETag, versionId: object.VersionId };
  }

  async head(location: S3Location): Promise<StoredObject & { contentLength?: number }> {
    checkLocation(location);
    const object = await this.notFoundAsBlobError(location, () =>
      withAccessExplained(this.access('s3:GetObject', location, MISSING_OBJECT_HINT), () =>
        this.s3.send(new HeadObjectCommand({ Bucket: location.bucketName, Key: location.objectKey })),
      ),
    );
    return { contentLength: object.ContentLength, eTag: object.ETag, versionId: object.VersionId };
  }

  async listKeys(bucketName: string, prefix: string): Promise<string[]> {
    return withAccessExplained({ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucketName}`, role: this.options.roleName }, async () => {
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2({ client: this.s3 }, { Bucket: bucketName, Prefix: prefix })) {
        keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key])));
      }
      return keys;
    });
  }

  async delete(location: S3Location): Promise<void> {
    await withAccessExplained(this.access('s3:DeleteObject', location), () =>
      this.s3.send(new DeleteObjectCommand({ Bucket: location.bucketName, Key: location.objectKey })),
    );
  }

  async ensureBucket(bucketName: string): Promise<void> {
    const problem = bucketNameProblem(bucketName);
    if (problem) throw new BadInputError(`The ${problem}.`);
    // Mostly the bucket is there already, as at every start of a data dir used before: one request tells so.
    if (await this.canReach(bucketName)) return;
    try {
      // Outside us-east-1, S3 makes a bucket only in the region its request names.
      const region = await this.s3.config.region();
      const location = region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } };
      await this.s3.send(new CreateBucketCommand({ Bucket: bucketName, ...location }));
    } catch (error) {
      if (!(error instanceof S3ServiceException)) throw error;
      if (error.name === 'BucketAlreadyOwnedByYou') return;
      // s3rver says this of its own buckets; on AWS it means that another account has the name.
      if (error.name === 'BucketAlreadyExists' && (await this.canReach(bucketName))) return;
      throw error;
    }
  }

  /**
   * Whether this client may use the bucket. GetBucketLocation, not HeadBucket: s3rver answers a
   * HEAD by listing every object, and one left half-written by a killed process fails the list.
   */
  private async canReach(bucketName: string): Promise<boolean> {
    try {
      await this.s3.send(new GetBucketLocationCommand({ Bucket: bucketName }));
      return true;
    } catch {
      return false;
    }
  }

  private access(action: string, location: S3Location, hint?: string): AccessContext {
    return { action, resource: `arn:aws:s3:::${location.bucketName}/${location.objectKey}`, role: this.options.roleName, hint };
  }

  private async notFoundAsBlobError<T>(location: S3Location, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof S3ServiceException && MISSING_OBJECT.has(error.name)) throw new BlobNotFoundError(location, { cause: error });
      throw error;
    }
  }
}
