import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { GetObjectAclCommand, HeadObjectCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { BlobNotFoundError } from '../../lib/ports/blob-store';
import { describeBlobStoreContract } from '../support/contracts/blob-store';
import { ACCOUNT, REGION, motoClientConfig, motoServers, uniqueName } from './support/moto-clients';

describeBlobStoreContract(motoServers);

/** The embedded S3 keeps no versions: versioned buckets are tried on moto alone. */
describe('S3BlobStore on a versioned bucket on moto', () => {
  const s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
  const blobs = new S3BlobStore(s3);
  const versioned = uniqueName('sluice-versioned');

  beforeAll(async () => {
    await blobs.ensureBucket(versioned);
    await s3.send(new PutBucketVersioningCommand({ Bucket: versioned, VersioningConfiguration: { Status: 'Enabled' } }));
  });
  afterAll(() => s3.destroy());

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

/** The embedded S3 keeps neither ACLs nor encryption settings: they are tried on moto alone. */
describe('S3BlobStore put options that only S3 keeps, on moto', () => {
  const s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
  const blobs = new S3BlobStore(s3);
  const bucket = uniqueName('sluice-acl');
  const keyArn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0b5ac1a6-0000-4000-8000-000000000000`;

  beforeAll(() => blobs.ensureBucket(bucket));
  afterAll(() => s3.destroy());

  it.each([
    ['a body of known length, in one request', Buffer.from('one request')],
    ['a stream of unknown length, in parts', Readable.from([Buffer.from('in parts')])],
  ])('puts %s with its canned ACL and KMS key', async (_how, body) => {
    const objectKey = uniqueName('object');
    await blobs.put({ bucketName: bucket, objectKey }, body, { acl: 'public-read', kmsKeyId: keyArn });

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', keyArn]);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: objectKey }));
    expect(acl.Grants).toContainEqual(
      expect.objectContaining({ Grantee: expect.objectContaining({ URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }), Permission: 'READ' }),
    );
  });
});
