import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../../../lib/adapters/aws/s3-blob-store';
import { BadInputError } from '../../../lib/core/errors';
import { BlobNotFoundError, type S3Location } from '../../../lib/ports/blob-store';
import { serversForSuite, type ServerKind } from './servers';

/** `bytes` as a stream of 64 KiB chunks, as a file or a zip would arrive. */
export function streamOf(bytes: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += 65536) chunks.push(bytes.subarray(offset, offset + 65536));
  return Readable.from(chunks);
}

/** What the BlobStore port promises, of S3BlobStore on the servers `open` gives. */
export function describeBlobStoreContract(kind: ServerKind): void {
  describe(`S3BlobStore on ${kind.name}`, () => {
    const servers = serversForSuite(kind);
    let blobs: S3BlobStore;
    let bucket: string;
    const at = (objectKey: string): S3Location => ({ bucketName: bucket, objectKey });

    beforeAll(async () => {
      blobs = new S3BlobStore(servers().s3);
      bucket = servers().uniqueName('sluice-artifacts');
      await blobs.ensureBucket(bucket);
    });

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
      const raw = await servers().s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt' }));
      expect(raw.ContentType).toBe('text/plain; charset=utf-8');
      expect(raw.CacheControl).toBe('no-store');
      await raw.Body?.transformToByteArray();
    });

    it('streams an object in and out unchanged, in one request or in parts', async () => {
      const bytes = randomBytes(6 * 1024 * 1024);
      const whole = at('webapp/SourceOutput/whole.zip');
      const parts = at('webapp/SourceOutput/parts.zip');

      await blobs.put(whole, Readable.from([bytes]), { contentLength: bytes.length, contentType: 'application/zip' });
      await blobs.put(parts, Readable.from([bytes.subarray(0, 3_000_000), bytes.subarray(3_000_000)]));

      for (const location of [whole, parts]) {
        const object = await blobs.get(location);
        expect(object.contentLength).toBe(bytes.length);
        expect((await buffer(object.body)).equals(bytes)).toBe(true);
      }
    });

    it('streams 20 MB up and down, byte for byte', async () => {
      const large = randomBytes(20 * 1024 * 1024);
      await blobs.put(at('large.bin'), streamOf(large));

      const object = await blobs.get(at('large.bin'));

      expect(object.contentLength).toBe(large.length);
      expect((await buffer(object.body)).equals(large)).toBe(true);
    });

    it('heads an object', async () => {
      const stored = await blobs.put(at('head.txt'), 'twelve bytes');

      expect(await blobs.head(at('head.txt'))).toEqual({ contentLength: 12, eTag: stored.eTag, versionId: undefined });
    });

    it('reports a missing object, and an object in a missing bucket, as BlobNotFoundError', async () => {
      const missingBucket = servers().uniqueName('no-such-bucket');
      await expect(blobs.get(at('missing.zip'))).rejects.toThrow(BlobNotFoundError);
      await expect(blobs.head(at('missing.zip'))).rejects.toThrow(BlobNotFoundError);
      await expect(blobs.get({ bucketName: missingBucket, objectKey: 'x' })).rejects.toThrow(BlobNotFoundError);
      await expect(blobs.get({ bucketName: missingBucket, objectKey: 'x' })).rejects.toThrow(`s3://${missingBucket}/x does not exist`);
    });

    it('lists the keys under a prefix, and deletes objects; a missing one is no error', async () => {
      for (const key of ['listed/logs/e1/Build/a.log', 'listed/logs/e1/Test/b.log', 'listed/logs/e2/Build/a.log', 'listed/Out/x.zip'])
        await blobs.put(at(key), key);

      expect((await blobs.listKeys(bucket, 'listed/logs/e1/')).sort()).toEqual(['listed/logs/e1/Build/a.log', 'listed/logs/e1/Test/b.log']);
      expect(await blobs.listKeys(bucket, 'nothing-here/')).toEqual([]);

      await blobs.delete(at('listed/logs/e1/Build/a.log'));
      await blobs.delete(at('listed/logs/e1/Build/a.log'));

      await expect(blobs.head(at('listed/logs/e1/Build/a.log'))).rejects.toThrow(BlobNotFoundError);
      expect((await blobs.listKeys(bucket, 'listed/')).sort()).toEqual(['listed/Out/x.zip', 'listed/logs/e1/Test/b.log', 'listed/logs/e2/Build/a.log']);
    });

    it('ensures a bucket any number of times', async () => {
      const twice = servers().uniqueName('twice');
      await blobs.ensureBucket(twice);
      await blobs.ensureBucket(twice);
      await blobs.put({ bucketName: twice, objectKey: 'k' }, 'v');

      expect(await blobs.head({ bucketName: twice, objectKey: 'k' })).toMatchObject({ contentLength: 1 });
    });
  });
}
