import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { SigningCredentials } from '../../lib/api/request-signature';
import { installationCredentials } from '../../lib/adapters/local/installation-credentials';
import type { S3ObjectCreatedEvent } from '../../lib/core/source-change';
import { removeDirectory, startTestStack, tcpListenersOfThisProcess, temporaryDirectory, type TestStack } from '../support/embedded-stack';
import { presignedQuery, sigV4Headers } from '../support/sigv4';

const BUCKET = 'uploads';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request to the upload endpoint, with the path as it is (a URL would resolve its dot segments) and the headers given and nothing else. */
function send(endpoint: string, request: { method: string; path: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer }): Promise<Answer> {
  const { hostname, port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const sent = http.request({ hostname, port, path: request.path, method: request.method, headers: request.headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (part: string) => (body += part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    sent.on('error', reject);
    sent.end(request.body);
  });
}

/** The same request signed with `credentials`, as the AWS SDKs sign it. */
async function sendSigned(
  endpoint: string,
  credentials: SigningCredentials,
  request: { method: string; path: string; body?: string; headers?: Record<string, string>; host?: string },
): Promise<Answer> {
  const host = request.host ?? new URL(endpoint).host;
  const body = request.body ?? '';
  const [pathOnly, query] = request.path.split('?');
  const headers = await sigV4Headers({
    method: request.method,
    host,
    path: pathOnly!,
    query: Object.fromEntries(new URLSearchParams(query)),
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(Buffer.byteLength(body)), ...request.headers },
    credentials,
  });
  return send(endpoint, { method: request.method, path: request.path, headers, body });
}

describe('the embedded S3 upload endpoint', () => {
  let dataDir: string;
  let test: TestStack;
  let endpoint: string;
  let credentials: SigningCredentials;
  let s3: S3Client;
  const created: S3ObjectCreatedEvent[] = [];

  const client = (config: Partial<S3ClientConfig> = {}) => new S3Client({ endpoint, region: 'eu-west-1', forcePathStyle: true, credentials, ...config });
  /** Whether Sluice itself, through its socket, finds the object. */
  const stored = (key: string) =>
    test.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
      () => true,
      () => false,
    );

  beforeAll(async () => {
    dataDir = await temporaryDirectory();
    test = await startTestStack(dataDir, { acceptUploads: true });
    test.stack.onObjectCreated((event) => created.push(event));
    endpoint = test.stack.s3UploadEndpoint!;
    credentials = await installationCredentials(dataDir);
    s3 = client();
  });

  afterAll(async () => {
    s3.destroy();
    await test.stop();
    await removeDirectory(dataDir);
  });

  it('is the only TCP port of the embedded stack, on 127.0.0.1', async () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await tcpListenersOfThisProcess()).toEqual([Number(new URL(endpoint).port)]);
  });

  it("takes what the SDK sends with the installation's credentials, its default checksums and multipart uploads included, and tells of each object", async () => {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'releases/app 1+2.zip', Body: 'a zip' }));
    // The SDK's default settings send bodies aws-chunked with a checksum trailer.
    const checksumming = client({ requestChecksumCalculation: 'WHEN_SUPPORTED', responseChecksumValidation: 'WHEN_SUPPORTED' });
    try {
      await new Upload({ client: checksumming, params: { Bucket: BUCKET, Key: 'big.zip', Body: Buffer.alloc(6 * 1024 * 1024, 7) } }).done();
    } finally {
      checksumming.destroy();
    }

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'releases/app 1+2.zip' }));
    expect(await got.Body!.transformToString()).toBe('a zip');
    expect((await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big.zip' }))).ContentLength).toBe(6 * 1024 * 1024);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents?.map((object) => object.Key)).toEqual(['big.zip', 'releases/app 1+2.zip']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(created.map((event) => event.detail.object.key)).toEqual(['releases/app 1+2.zip', 'big.zip']);
  });

  it('refuses unsigned requests, and reads no body before it refuses', async () => {
    const put = await send(endpoint, { method: 'PUT', path: `/${BUCKET}/unsigned.zip`, headers: { 'content-length': 5 }, body: 'hello' });
    const get = await send(endpoint, { method: 'GET', path: `/${BUCKET}/releases/app%201%2B2.zip` });

    expect(put).toMatchObject({ status: 403, body: expect.stringContaining('<Code>AccessDenied</Code>') });
    expect(put.body).toContain('sluice credentials');
    expect(get.status).toBe(403);
    expect(get.body).not.toContain('a zip');
    expect(await stored('unsigned.zip')).toBe(false);

    // A client that waits for "100 Continue" gets its refusal without sending the body.
    const refused = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${endpoint}/${BUCKET}/waiting.zip`, {
        method: 'PUT',
        headers: { expect: '100-continue', 'content-length': 50_000_000 },
        agent: false,
      });
      request.on('continue', () => reject(new Error('The endpoint asked for the body of an unsigned request.')));
      request.on('response', (response) => resolve(response.statusCode ?? 0));
      request.on('error', reject);
      request.flushHeaders();
    });
    expect(refused).toBe(403);
  });

  it('refuses requests signed with another secret or another key, as S3 does', async () => {
    const wrongSecret = client({ credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: 'a guess' } });
    const s3rverKey = client({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    try {
      await expect(wrongSecret.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'forged.zip', Body: 'forged' }))).rejects.toMatchObject({
        name: 'SignatureDoesNotMatch',
        $metadata: { httpStatusCode: 403 },
      });
      await expect(wrongSecret.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'big.zip' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      await expect(s3rverKey.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'forged.zip', Body: 'forged' }))).rejects.toMatchObject({
        name: 'InvalidAccessKeyId',
        $metadata: { httpStatusCode: 403 },
      });
    } finally {
      wrongSecret.destroy();
      s3rverKey.destroy();
    }
    expect(await stored('forged.zip')).toBe(false);
  });

  it('refuses what a web page can send: an Origin header even on a signed request, a CORS preflight, a form POST upload', async () => {
    const signedWithOrigin = await sigV4Headers({
      method: 'PUT',
      host: new URL(endpoint).host,
      path: `/${BUCKET}/from-a-page.zip`,
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': '4' },
      credentials,
    });
    const withOrigin = await send(endpoint, {
      method: 'PUT',
      path: `/${BUCKET}/from-a-page.zip`,
      headers: { ...signedWithOrigin, origin: 'https://attacker.example' },
      body: 'page',
    });
    const preflight = await send(endpoint, {
      method: 'OPTIONS',
      path: `/${BUCKET}/from-a-page.zip`,
      headers: { origin: 'https://attacker.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    const boundary = '----form';
    const form = [
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nfrom-a-form.zip\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="app.zip"\r\nContent-Type: application/zip\r\n\r\nbuildspec\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    // A form on a page sends no preflight, and a form's POST from a page that hides its origin carries none.
    const formPost = await send(endpoint, {
      method: 'POST',
      path: `/${BUCKET}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: form,
    });
    const signedFormPost = await sendSigned(endpoint, credentials, {
      method: 'POST',
      path: `/${BUCKET}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: form,
    });

    const preflightWithoutOrigin = await send(endpoint, {
      method: 'OPTIONS',
      path: `/${BUCKET}/from-a-page.zip`,
      headers: { 'access-control-request-method': 'PUT' },
    });

    for (const answer of [withOrigin, preflight, preflightWithoutOrigin, formPost, signedFormPost]) {
      expect(answer).toMatchObject({ status: 403, body: expect.stringContaining('<Code>AccessDenied</Code>') });
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(withOrigin.body).toContain('Origin');
    expect(preflight.body).toContain('preflight');
    expect(preflightWithoutOrigin.body).toContain('preflight');
    expect(signedFormPost.body).toContain('form uploads');
    expect(await stored('from-a-page.zip')).toBe(false);
    expect(await stored('from-a-form.zip')).toBe(false);
  });

  it('refuses a Host that is not a loopback name, as a DNS rebinding page would send, even signed', async () => {
    const port = new URL(endpoint).port;
    const rebound = await sendSigned(endpoint, credentials, {
      method: 'PUT',
      path: `/${BUCKET}/rebound.zip`,
      host: `attacker.example:${port}`,
      body: 'rebound',
    });
    const loopbackNames = await Promise.all(
      ['localhost', '127.0.0.1', '[::1]'].map((name) =>
        sendSigned(endpoint, credentials, { method: 'GET', path: `/${BUCKET}?list-type=2`, host: `${name}:${port}` }),
      ),
    );

    expect(rebound).toMatchObject({ status: 403, body: expect.stringContaining('not a loopback name') });
    expect(await stored('rebound.zip')).toBe(false);
    expect(loopbackNames.map((answer) => answer.status)).toEqual([200, 200, 200]);
  });

  it("refuses presigned URLs, even those made with the installation's credentials", async () => {
    const query = await presignedQuery({ method: 'GET', host: new URL(endpoint).host, path: `/${BUCKET}/big.zip`, credentials });
    const answer = await send(endpoint, { method: 'GET', path: `/${BUCKET}/big.zip?${query}` });

    expect(answer).toMatchObject({ status: 403, body: expect.stringContaining('Presigned URLs are not accepted') });
  });

  it('refuses signed requests for keys that would escape its directory, and writes, reads and deletes nothing outside it', async () => {
    const victim = path.join(dataDir, 'victim._S3rver_object');
    await writeFile(victim, 'victim');
    const keys = ['%2e%2e%2f%2e%2e%2fescaped', '..%2F..%2Fescaped', 'a/../../../escaped', 'a%5c..%5c..%5cescaped', 'nul%00.zip', '%2e%2e/%2e%2e/victim'];
    for (const key of keys) {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const answer = await sendSigned(endpoint, credentials, { method, path: `/${BUCKET}/${key}`, body: method === 'PUT' ? 'escaped' : '' });
        expect([method, key, answer.status, answer.body]).toEqual([method, key, 400, expect.stringMatching(/<Code>InvalidArgument<\/Code>/)]);
      }
    }
    await expect(s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copied', CopySource: `${BUCKET}/../../owner.lock` }))).rejects.toMatchObject({
      name: 'InvalidArgument',
      $metadata: { httpStatusCode: 400 },
    });

    expect(existsSync(path.join(dataDir, 'escaped'))).toBe(false);
    expect((await readdir(path.dirname(dataDir))).filter((name) => name.includes('escaped'))).toEqual([]);
    expect(existsSync(victim)).toBe(true);
    expect(await stored('copied')).toBe(false);
  });
});
