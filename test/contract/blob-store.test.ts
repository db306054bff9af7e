import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { BadInputError } from '../../lib/core/errors';
import { embeddedClientConfig } from '../../lib/adapters/local/embedded-stack';
import { unixSocketHandler } from '../../lib/compose/local-clients';
import type { S3Location } from '../../lib/ports/blob-store';
import { describeBlobStoreContract, streamOf } from '../support/contracts/blob-store';
import { embeddedServers, removeDirectory, startTestStack, temporaryDirectory, type TestStack } from '../support/embedded-stack';

const BUCKET = 'sluice-artifacts';
const at = (objectKey: string): S3Location => ({ bucketName: BUCKET, objectKey });

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

describeBlobStoreContract(embeddedServers);

describe('S3BlobStore on the embedded s3rver, its own checks', () => {
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
      await expect(blobs.put(at(objectKey), 'escaped')).rejects.toThrow(
        expect.objectContaining({ name: 'Sluice.BadInput', message: expect.stringContaining(JSON.stringify(objectKey)) }),
      );
      await expect(blobs.get(at(objectKey))).rejects.toThrow(BadInputError);
      await expect(blobs.head(at(objectKey))).rejects.toThrow(BadInputError);
      expect(existsSync(path.join(dataDir, '..', 'outside.txt'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'outside.txt'))).toBe(false);
    },
  );

  it('finds its bucket again when a killed process left an object half-written, as the next start of a local installation does', async () => {
    await blobs.put(at('torn/metadata.zip'), 'written');
    const metadata = readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).find((name) => name.endsWith('metadata.zip._S3rver_metadata.json'))!;
    // The metadata file cut short, as a kill -9 in the middle of its write leaves it.
    writeFileSync(path.join(dataDir, metadata), '{"cont');
    try {
      await expect(blobs.ensureBucket(BUCKET)).resolves.toBeUndefined();
    } finally {
      await blobs.delete(at('torn/metadata.zip')).catch(() => undefined);
    }
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
