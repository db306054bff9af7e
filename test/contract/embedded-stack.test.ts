import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { preloadEmbeddedStack, startEmbeddedStack } from '../../lib/adapters/local/embedded-stack';
import type { S3ObjectCreatedEvent } from '../../lib/core/source-change';
import { removeDirectory, startTestStack, tcpListenersOfThisProcess, temporaryDirectory, type TestStack } from '../support/embedded-stack';

/** A PUT with hand-made headers and body, as no SDK would send it, down a Unix socket. */
function rawPut(socketPath: string, objectPath: string, headers: http.OutgoingHttpHeaders, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ socketPath, path: objectPath, method: 'PUT', headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (text += part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the embedded stack', () => {
  let dataDir: string;
  let test: TestStack;

  beforeAll(async () => {
    dataDir = await temporaryDirectory();
    test = await startTestStack(dataDir);
    await new S3BlobStore(test.clients.s3).ensureBucket('framing');
  });

  afterAll(async () => {
    await test.stop();
    await removeDirectory(dataDir);
  });

  it('listens on Unix sockets that only this user can open, in a directory that only this user can enter, and on no TCP port', async () => {
    const sockets = path.join(dataDir, 'sockets');
    expect(test.stack.dynamodbSocket).toBe(path.join(sockets, 'dynamodb.sock'));
    expect(test.stack.s3Socket).toBe(path.join(sockets, 's3.sock'));
    expect(test.stack.s3UploadEndpoint).toBeUndefined();
    expect((await stat(sockets)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(sockets)) {
      const socket = await stat(path.join(sockets, name));
      expect([name, socket.isSocket(), socket.mode & 0o777]).toEqual([name, true, 0o600]);
    }
    expect(await tcpListenersOfThisProcess()).toEqual([]);
    // And Sluice's own clients work through them.
    await expect(test.clients.dynamodb.send(new ListTablesCommand({}))).resolves.toBeDefined();
  });

  it("refuses keys whose file would lie outside its directory, from Sluice's own clients too, and writes nothing there", async () => {
    const s3Directory = path.join(dataDir, 's3');
    const outside = path.join(dataDir, 'escaped');
    for (const objectPath of [
      '/framing/%2e%2e%2f%2e%2e%2fescaped',
      '/framing/../../escaped',
      '/framing/a%5c..%5c..%5cescaped',
      '/framing/nul%00',
      '/%2e%2e/escaped',
    ]) {
      const answer = await rawPut(test.stack.s3Socket, objectPath, { 'content-length': 3 }, 'bad');
      expect([objectPath, answer.status]).toEqual([objectPath, 400]);
      expect(answer.body).toMatch(/<Code>(InvalidArgument|InvalidURI)<\/Code>/);
    }
    await expect(test.clients.s3.send(new CopyObjectCommand({ Bucket: 'framing', Key: 'copy', CopySource: 'framing/../../owner.lock' }))).rejects.toMatchObject(
      { name: 'InvalidArgument' },
    );
    await test.clients.s3.send(new PutObjectCommand({ Bucket: 'framing', Key: 'kept', Body: 'kept' }));
    // Keys that only a body names reach the store, which refuses them as well.
    await writeFile(path.join(dataDir, 'victim._S3rver_object'), 'victim');
    const deleted = await test.clients.s3
      .send(new DeleteObjectsCommand({ Bucket: 'framing', Delete: { Objects: [{ Key: '../../victim' }] } }))
      .catch((error: Error) => error);
    expect(deleted).toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
    expect(await readFile(path.join(dataDir, 'victim._S3rver_object'), 'utf8')).toBe('victim');
    expect(existsSync(outside)).toBe(false);
    expect((await readdir(dataDir)).filter((name) => name.includes('escaped'))).toEqual([]);
    expect(existsSync(path.join(s3Directory, 'framing', 'kept._S3rver_object'))).toBe(true);
  });

  it('answers a malformed aws-chunked body with a 400', async () => {
    const answer = await rawPut(
      test.stack.s3Socket,
      '/framing/broken.txt',
      { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' },
      '5\r\nhel',
    );

    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<Code>IncompleteBody</Code>');
  });

  it('decodes a hand-made signed aws-chunked body', async () => {
    const signature = `chunk-signature=${'0'.repeat(64)}`;
    const answer = await rawPut(
      test.stack.s3Socket,
      '/framing/signed.txt',
      { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '11', 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
      `6;${signature}\r\nhello \r\n5;${signature}\r\nworld\r\n0;${signature}\r\n\r\n`,
    );

    expect(answer.status).toBe(200);
    const object = await new S3BlobStore(test.clients.s3).get({ bucketName: 'framing', objectKey: 'signed.txt' });
    expect((await object.body.toArray()).join('')).toBe('hello world');
  });

  it("tells listeners of each object put, copied or uploaded in parts, as S3's Object Created event, and of nothing else", async () => {
    const blobs = new S3BlobStore(test.clients.s3);
    await blobs.ensureBucket('sources');
    const events: S3ObjectCreatedEvent[] = [];
    const stop = test.stack.onObjectCreated((event) => events.push(event));
    // The events come from the stack's worker thread, so they may arrive after the request's answer.
    const seen: string[] = [];
    let onSeen = () => {};
    test.stack.onObjectCreated((event) => {
      seen.push(event.detail.object.key);
      onSeen();
    });
    const untilSeen = (key: string) =>
      new Promise<void>((resolve) => {
        onSeen = () => seen.includes(key) && resolve();
        onSeen();
      });

    await blobs.put({ bucketName: 'sources', objectKey: 'a dir/app+1.zip' }, 'zip');
    // A stream of unknown length goes up as a multipart upload, in 5 MB parts.
    await blobs.put({ bucketName: 'sources', objectKey: 'big.zip' }, Readable.from([Buffer.alloc(3 * 1024 * 1024), Buffer.alloc(3 * 1024 * 1024)]));
    await test.clients.s3.send(new CopyObjectCommand({ Bucket: 'sources', Key: 'copy.zip', CopySource: 'sources/big.zip' }));
    await test.clients.s3.send(new DeleteObjectCommand({ Bucket: 'sources', Key: 'copy.zip' }));
    await blobs.put({ bucketName: 'sources', objectKey: 'last.zip' }, 'zip');
    await untilSeen('last.zip');
    stop();
    await blobs.put({ bucketName: 'sources', objectKey: 'after.zip' }, 'zip');
    await untilSeen('after.zip');

    expect(events.map((event) => event.detail.object.key)).toEqual(['a dir/app+1.zip', 'big.zip', 'copy.zip', 'last.zip']);
    expect(new Set(events.map((event) => event.id)).size).toBe(4);
    expect(events[0]).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '000000000000',
      time: expect.any(String),
      region: 'us-east-1',
      resources: ['arn:aws:s3:::sources'],
      detail: {
        version: '0',
        bucket: { name: 'sources' },
        object: { key: 'a dir/app+1.zip', size: 3, etag: expect.stringMatching(/^[0-9a-f]{32}$/), sequencer: expect.any(String) },
        'request-id': expect.any(String),
      },
    });
  });
});

describe('the embedded stack on a data dir whose path is too long for a socket', () => {
  it('puts its sockets in a private directory under the temp dir, and removes it when it closes', async () => {
    const root = await temporaryDirectory();
    const dataDir = path.join(root, 'a-data-dir-whose-path-is-long'.repeat(4));
    await mkdir(dataDir);
    const test = await startTestStack(dataDir);
    try {
      const sockets = path.dirname(test.stack.s3Socket);
      expect(path.dirname(sockets)).toBe(os.tmpdir());
      expect((await stat(sockets)).mode & 0o777).toBe(0o700);
      expect((await stat(test.stack.dynamodbSocket)).mode & 0o777).toBe(0o600);
      await expect(test.clients.dynamodb.send(new ListTablesCommand({}))).resolves.toBeDefined();
      await new S3BlobStore(test.clients.s3).ensureBucket('long');
      await test.stop();
      expect(existsSync(sockets)).toBe(false);
    } finally {
      await test.stop();
      await removeDirectory(root);
    }
  });
});

describe('the embedded stack on a data dir it cannot use', () => {
  it('fails to start, saying why', async () => {
    const dataDir = await temporaryDirectory();
    try {
      await writeFile(path.join(dataDir, 'dynamodb'), 'not a directory');
      await expect(startEmbeddedStack(dataDir)).rejects.toThrow(/The embedded DynamoDB and S3 did not start: .*dynamodb/);
    } finally {
      await removeDirectory(dataDir);
    }
  });
});

describe('the embedded stack preloaded before its data dir is known', () => {
  it('serves the data dir it is then started on, and fails on an unusable one as a fresh worker does', async () => {
    const root = await temporaryDirectory();
    try {
      const first = path.join(root, 'first');
      const unusable = path.join(root, 'unusable');
      await mkdir(first);
      await mkdir(unusable);
      await writeFile(path.join(unusable, 'dynamodb'), 'not a directory');

      preloadEmbeddedStack();
      const test = await startTestStack(first);
      try {
        expect(path.dirname(test.stack.dynamodbSocket)).toBe(path.join(first, 'sockets'));
        await expect(test.clients.dynamodb.send(new ListTablesCommand({}))).resolves.toBeDefined();
        await new S3BlobStore(test.clients.s3).ensureBucket('preloaded');
      } finally {
        await test.stop();
      }

      preloadEmbeddedStack();
      await expect(startEmbeddedStack(unusable)).rejects.toThrow(/The embedded DynamoDB and S3 did not start: .*dynamodb/);
    } finally {
      await removeDirectory(root);
    }
  });
});
