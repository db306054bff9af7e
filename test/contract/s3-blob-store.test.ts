import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { BadInputError } from '../../lib/core/errors';
import { embeddedClientConfig } from '../../lib/adapters/local/embedded-stack';
import { unixSocketHandler } from '../../lib/compose/local-clients';
import { BlobNotFoundError, type S3Location } from '../../lib/ports/blob-store';
import { removeDirectory, startTestStack, temporaryDirectory, type TestStack } from '../support/embedded-stack';

const BUCKET = 'sluice-artifacts';
const at = (objectKey: string): S3Location => ({ bucketName: BUCKET, objectKey });

/** `bytes` as a stream of 64 KiB chunks, as a file or a zip would arrive. */
function streamOf(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 65536) chunks.push(bytes.subarray(offset, offset + 65536));
  return Readable.from(chunks);
}

/** A client with the SDK's default checksum settings, which send stream bodies aws-chunked. */
function defaultChecksumClient(stack: TestStack): { s3: S3Client; contentEncodings: string[] } {
  const s3 = new S3Client({
    ...embeddedClientConfig().s3,
    requestHandler: unixSocketHandler(stack.stack.s3Socket),
    requestChecksumCalculation: 'WHEN_SUPPORTED',
    responseChecksumValidation: 'WHEN_SUPPORTED',
  });
  const contentEncodings: string[] = [];
  s3.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      contentEncodings.push(request.headers?.['content-encoding'] ?? '');
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low' },
  );
  return { s3, contentEncodings };
}

describe('S3BlobStore on the embedded s3rver', () => {
  let dataDir: string;
  let test: TestStack;
  let blobs: S3BlobStore;
  const large = randomBytes(20 * 1024 * 1024);

  beforeAll(async () => {
    dataDir = await temporaryDirectory();
    test = await startTestStack(dataDir);
    blobs = new S3BlobStore(test.clients.s3);
    await blobs.ensureBucket(BUCKET);
  });

  afterAll(async () => {
    await test.stop();
    await removeDirectory(dataDir);
  });

  it.each(['../../outside.txt', 'logs/../../../outside.txt', './here.txt', 'a\\..\\..\\outside.txt', 'nul\0.txt'])(
    'refuses the key %j for every read and write, and writes nothing outside the bucket',
    async (objectKey) => {
      await expect(blobs.put(at(objectKey), 'escaped')).rejects.toThrow(expect.objectContaining({ name: 'Sluice.BadInput', message: expect.stringContaining(JSON.stringify(objectKey)) }));
      await expect(blobs.get(at(objectKey))).rejects.toThrow(BadInputError);
      await expect(blobs.head(at(objectKey))).rejects.toThrow(BadInputError);
      expect(existsSync(path.join(dataDir, '..', 'outside.txt'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'outside.txt'))).toBe(false);
    },
  );

  it('refuses bucket names that are dots or hold a slash', async () => {
    await expect(blobs.ensureBucket('..')).rejects.toThrow(/bucket name "\.\." is not an S3 bucket name/);
    await expect(blobs.put({ bucketName: '../x', objectKey: 'a.txt' }, 'escaped')).rejects.toThrow(BadInputError);
  });

  it('stores and returns a Buffer', async () => {
    const bytes = randomBytes(1000);
    const stored = await blobs.put(at('buffer.bin'), bytes);

    const object = await blobs.get(at('buffer.bin'));

    expect(await buffer(object.body)).toEqual(bytes);
    expect(object.contentLength).toBe(1000);
    expect(object.eTag).toBe(stored.eTag);
  });

  it('stores and returns a string with its content type', async () => {
    await blobs.put(at('notes/hello.txt'), 'héllo, wörld', { contentType: 'text/plain; charset=utf-8', cacheControl: 'no-store' });

    const object = await blobs.get(at('notes/hello.txt'));

    expect((await buffer(object.body)).toString('utf8')).toBe('héllo, wörld');
    const raw = await test.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'notes/hello.txt' }));
    expect(raw.ContentType).toBe('text/plain; charset=utf-8');
    expect(raw.CacheControl).toBe('no-store');
    await raw.Body?.transformToByteArray();
  });

  it('streams 20 MB up and down, byte for byte', async () => {
    await blobs.put(at('large.bin'), streamOf(large));

    const object = await blobs.get(at('large.bin'));

    expect(object.contentLength).toBe(large.length);
    expect((await buffer(object.body)).equals(large)).toBe(true);
  });

  it('stores objects intact from a client that sends aws-chunked bodies', async () => {
    const { s3, contentEncodings } = defaultChecksumClient(test);
    try {
      const small = randomBytes(300_000);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'chunked.bin', Body: streamOf(small), ContentLength: small.length }));
      await new S3BlobStore(s3).put(at('chunked-large.bin'), streamOf(large));

      expect(contentEncodings).toContain('aws-chunked');
      const object = await blobs.get(at('chunked.bin'));
      expect((await buffer(object.body)).equals(small)).toBe(true);
      const head = await test.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'chunked.bin' }));
      expect(head.ContentEncoding).toBeUndefined();
      await head.Body?.transformToByteArray();
      const largeObject = await new S3BlobStore(s3).get(at('chunked-large.bin'));
      expect((await buffer(largeObject.body)).equals(large)).toBe(true);
    } finally {
      s3.destroy();
    }
  });

  it('heads an object', async () => {
    const stored = await blobs.put(at('head.txt'), 'twelve bytes');

    expect(await blobs.head(at('head.txt'))).toEqual({ contentLength: 12, eTag: stored.eTag, versionId: undefined });
  });

  it('rejects a missing object with BlobNotFoundError', async () => {
    await expect(blobs.get(at('missing.zip'))).rejects.toThrow(BlobNotFoundError);
    await expect(blobs.head(at('missing.zip'))).rejects.toThrow(BlobNotFoundError);
    await expect(blobs.get({ bucketName: 'no-such-bucket', objectKey: 'x' })).rejects.toThrow('s3://no-such-bucket/x does not exist');
  });

  it('lists the keys under a prefix, and deletes objects; a missing one is no error', async () => {
    for (const key of ['listed/logs/e1/Build/a.log', 'listed/logs/e1/Test/b.log', 'listed/logs/e2/Build/a.log', 'listed/Out/x.zip']) await blobs.put(at(key), key);

    expect((await blobs.listKeys(BUCKET, 'listed/logs/e1/')).sort()).toEqual(['listed/logs/e1/Build/a.log', 'listed/logs/e1/Test/b.log']);
    expect(await blobs.listKeys(BUCKET, 'nothing-here/')).toEqual([]);

    await blobs.delete(at('listed/logs/e1/Build/a.log'));
    await blobs.delete(at('listed/logs/e1/Build/a.log'));

    await expect(blobs.head(at('listed/logs/e1/Build/a.log'))).rejects.toThrow(BlobNotFoundError);
    expect((await blobs.listKeys(BUCKET, 'listed/')).sort()).toEqual(['listed/Out/x.zip', 'listed/logs/e1/Test/b.log', 'listed/logs/e2/Build/a.log']);
  });

  it('ensures a bucket any number of times', async () => {
    await blobs.ensureBucket('twice');
    await blobs.ensureBucket('twice');
    await blobs.put({ bucketName: 'twice', objectKey: 'k' }, 'v');

    expect(await blobs.head({ bucketName: 'twice', objectKey: 'k' })).toMatchObject({ contentLength: 1 });
  });
});

describe('the embedded s3rver on the same data dir', () => {
  it('keeps objects across a restart', async () => {
    const dataDir = await temporaryDirectory();
    try {
      const first = await startTestStack(dataDir);
      await new S3BlobStore(first.clients.s3).ensureBucket(BUCKET);
      await new S3BlobStore(first.clients.s3).put(at('kept.txt'), 'still here');
      await first.stop();

      const second = await startTestStack(dataDir);
      try {
        const object = await new S3BlobStore(second.clients.s3).get(at('kept.txt'));
        expect((await buffer(object.body)).toString()).toBe('still here');
      } finally {
        await second.stop();
      }
    } finally {
      await removeDirectory(dataDir);
    }
  });
});
