import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { BlobNotFoundError } from '../../lib/ports/blob-store';
import { motoClientConfig, uniqueName } from './support/moto-clients';

describe('S3BlobStore on moto', () => {
  const s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
  const blobs = new S3BlobStore(s3);
  const bucket = uniqueName('sluice-artifacts');
  const versioned = uniqueName('sluice-versioned');

  beforeAll(async () => {
    await blobs.ensureBucket(bucket);
    await blobs.ensureBucket(versioned);
    await s3.send(new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }));
  });
  afterAll(() => s3.destroy());

  it('streams an object in and out unchanged, in one request or in parts', async () => {
    const bytes = randomBytes(6 * 1024 * 1024);
    const whole = { bucketName: bucket, objectKey: 'webapp/SourceOutput/whole.zip' };
    const parts = { bucketName: bucket, objectKey: 'webapp/SourceOutput/parts.zip' };

    await blobs.put(whole, Readable.from([bytes]), { contentLength: bytes.length, contentType: 'application/zip' });
    await blobs.put(parts, Readable.from([bytes.subarray(0, 3_000_000), bytes.subarray(3_000_000)]));

    for (const location of [whole, parts]) {
      const object = await blobs.get(location);
      expect(object.contentLength).toBe(bytes.length);
      expect((await buffer(object.body)).equals(bytes)).toBe(true);
    }
  });

  it('reports a missing object, and an object in a missing bucket, as BlobNotFoundError', async () => {
    await expect(blobs.get({ bucketName: bucket, objectKey: 'missing.zip' })).rejects.toThrow(BlobNotFoundError);
    await expect(blobs.head({ bucketName: bucket, objectKey: 'missing.zip' })).rejects.toThrow(BlobNotFoundError);
    await expect(blobs.get({ bucketName: uniqueName('no-such-bucket'), objectKey: 'a.zip' })).rejects.toThrow(BlobNotFoundError);
  });

  it('returns the version id that a versioned bucket gives each put', async () => {
    const location = { bucketName: versioned, objectKey: 'webapp/BuildOutput/build.zip' };

    const first = await blobs.put(location, 'one');
    const second = await blobs.put(location, 'two');

    expect(first.versionId).toEqual(expect.any(String));
    expect(second.versionId).not.toBe(first.versionId);
    const latest = await blobs.get(location);
    expect(latest.versionId).toBe(second.versionId);
    expect((await buffer(latest.body)).toString()).toBe('two');
    expect((await blobs.head(location)).versionId).toBe(second.versionId);
  });

  it('reads an older version when asked, and reports a version that does not exist as BlobNotFoundError', async () => {
    const location = { bucketName: versioned, objectKey: 'releases/app.zip' };
    const first = await blobs.put(location, 'one');
    await blobs.put(location, 'two');

    const older = await blobs.get(location, { versionId: first.versionId });
    expect(older.versionId).toBe(first.versionId);
    expect((await buffer(older.body)).toString()).toBe('one');
    await expect(blobs.get(location, { versionId: 'no-such-version' })).rejects.toThrow(BlobNotFoundError);
  });
});
