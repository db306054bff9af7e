import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import type { S3ObjectCreatedEvent } from '../../lib/core/source-change';
import { BlobNotFoundError } from '../../lib/ports/blob-store';
import { stackPerSuite } from '../support/embedded-stack';

describe('object versions in the embedded S3', () => {
  const suite = stackPerSuite();
  const s3 = (): S3Client => suite.test.clients.s3;
  const read = async (Key: string, VersionId?: string) =>
    (await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key, VersionId }))).Body!.transformToString();
  const errorOf = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: { name: string; $metadata?: { httpStatusCode?: number } }) => error,
    );

  beforeAll(async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'versioned' }));
    await s3().send(new CreateBucketCommand({ Bucket: 'plain' }));
    await s3().send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
  });

  it('answers GetBucketVersioning with Enabled once PutBucketVersioning enabled it, and with no status before', async () => {
    expect((await s3().send(new GetBucketVersioningCommand({ Bucket: 'versioned' }))).Status).toBe('Enabled');
    expect((await s3().send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBeUndefined();
  });

  it('gives each PutObject of one key its own version id, and reads each version by it', async () => {
    const first = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: 'app.zip', Body: 'first', ContentType: 'application/zip' }));
    const second = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: 'app.zip', Body: 'second!' }));
    expect(first.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second.VersionId).not.toBe(first.VersionId);

    expect(await read('app.zip', first.VersionId)).toBe('first');
    expect(await read('app.zip', second.VersionId)).toBe('second!');
    const latest = await s3().send(new GetObjectCommand({ Bucket: 'versioned', Key: 'app.zip' }));
    expect([await latest.Body!.transformToString(), latest.VersionId]).toEqual(['second!', second.VersionId]);

    const head = await s3().send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'app.zip' }));
    expect([head.VersionId, head.ContentLength]).toEqual([second.VersionId, 7]);
    const firstHead = await s3().send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'app.zip', VersionId: first.VersionId }));
    expect([firstHead.VersionId, firstHead.ContentLength, firstHead.ContentType, firstHead.ETag]).toEqual([first.VersionId, 5, 'application/zip', first.ETag]);
  });

  it('answers an unknown version id with NoSuchVersion (404), and a malformed one with InvalidArgument', async () => {
    await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: 'known.zip', Body: 'x' }));
    const unknown = await errorOf(read('known.zip', 'A'.repeat(32)));
    expect([unknown?.name, unknown?.$metadata?.httpStatusCode]).toEqual(['NoSuchVersion', 404]);
    const malformed = await errorOf(read('known.zip', '../../etc'));
    expect([malformed?.name, malformed?.$metadata?.httpStatusCode]).toEqual(['InvalidArgument', 400]);
    // S3BlobStore sees a missing version as a missing blob, which the S3 source explains.
    await expect(new S3BlobStore(s3()).get({ bucketName: 'versioned', objectKey: 'known.zip' }, { versionId: 'B'.repeat(32) })).rejects.toBeInstanceOf(
      BlobNotFoundError,
    );
  });

  it('gives no version id in a bucket without versioning', async () => {
    const put = await s3().send(new PutObjectCommand({ Bucket: 'plain', Key: 'app.zip', Body: 'plain' }));
    expect(put.VersionId).toBeUndefined();
    expect((await s3().send(new HeadObjectCommand({ Bucket: 'plain', Key: 'app.zip' }))).VersionId).toBeUndefined();
    const unknown = await errorOf(s3().send(new GetObjectCommand({ Bucket: 'plain', Key: 'app.zip', VersionId: 'C'.repeat(32) })));
    expect(unknown?.name).toBe('NoSuchVersion');
  });

  it('keeps the versions that multipart uploads and copies write, and tells their version ids in the Object Created events', async () => {
    const events: S3ObjectCreatedEvent[] = [];
    let onEvent = () => {};
    const stop = suite.test.stack.onObjectCreated((event) => {
      events.push(event);
      onEvent();
    });
    const eventsFor = (count: number) =>
      new Promise<void>((resolve) => {
        onEvent = () => events.length >= count && resolve();
        onEvent();
      });
    const blobs = new S3BlobStore(s3());
    // A stream of unknown length goes up as a multipart upload.
    const big = await blobs.put(
      { bucketName: 'versioned', objectKey: 'big.zip' },
      Readable.from([Buffer.alloc(3 * 1024 * 1024, 1), Buffer.alloc(3 * 1024 * 1024, 2)]),
    );
    const copy = await s3().send(new CopyObjectCommand({ Bucket: 'versioned', Key: 'copy.zip', CopySource: 'versioned/big.zip' }));
    const put = await s3().send(new PutObjectCommand({ Bucket: 'versioned', Key: 'copy.zip', Body: 'small' }));
    await eventsFor(3);
    stop();

    expect(big.versionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(copy.VersionId).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(events.map(({ detail }) => [detail.object.key, detail.object['version-id']])).toEqual([
      ['big.zip', big.versionId],
      ['copy.zip', copy.VersionId],
      ['copy.zip', put.VersionId],
    ]);
    const copied = await s3().send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'copy.zip', VersionId: copy.VersionId }));
    expect(copied.ContentLength).toBe(6 * 1024 * 1024);
  });

  it('deletes an older version by its id, refuses to delete the current one, and deletes all versions with the bucket', async () => {
    await s3().send(new CreateBucketCommand({ Bucket: 'shortlived' }));
    await s3().send(new PutBucketVersioningCommand({ Bucket: 'shortlived', VersioningConfiguration: { Status: 'Enabled' } }));
    const first = await s3().send(new PutObjectCommand({ Bucket: 'shortlived', Key: 'k', Body: 'one' }));
    const second = await s3().send(new PutObjectCommand({ Bucket: 'shortlived', Key: 'k', Body: 'two' }));

    await s3().send(new DeleteObjectCommand({ Bucket: 'shortlived', Key: 'k', VersionId: first.VersionId }));
    const gone = await errorOf(s3().send(new GetObjectCommand({ Bucket: 'shortlived', Key: 'k', VersionId: first.VersionId })));
    expect(gone?.name).toBe('NoSuchVersion');
    const current = await errorOf(s3().send(new DeleteObjectCommand({ Bucket: 'shortlived', Key: 'k', VersionId: second.VersionId })));
    expect([current?.name, current?.$metadata?.httpStatusCode]).toEqual(['NotImplemented', 501]);

    // Deleting the object keeps its versions, as S3 does.
    await s3().send(new DeleteObjectCommand({ Bucket: 'shortlived', Key: 'k' }));
    const kept = await s3().send(new GetObjectCommand({ Bucket: 'shortlived', Key: 'k', VersionId: second.VersionId }));
    expect(await kept.Body!.transformToString()).toBe('two');
    const versionsDirectory = path.join(suite.test.dataDir, 's3-versions', 'shortlived');
    expect(existsSync(versionsDirectory)).toBe(true);
    await s3().send(new DeleteBucketCommand({ Bucket: 'shortlived' }));
    expect(existsSync(versionsDirectory)).toBe(false);
  });

  it('refuses to suspend versioning, and to configure a bucket that does not exist', async () => {
    const suspended = await errorOf(s3().send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Suspended' } })));
    expect([suspended?.name, suspended?.$metadata?.httpStatusCode]).toEqual(['NotImplemented', 501]);
    expect((await s3().send(new GetBucketVersioningCommand({ Bucket: 'versioned' }))).Status).toBe('Enabled');
    const missing = await errorOf(s3().send(new PutBucketVersioningCommand({ Bucket: 'missing', VersioningConfiguration: { Status: 'Enabled' } })));
    expect([missing?.name, missing?.$metadata?.httpStatusCode]).toEqual(['NoSuchBucket', 404]);
  });
});
