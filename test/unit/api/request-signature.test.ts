import { createHash } from 'node:crypto';
import { verifyRequestSignature, type ReceivedRequest } from '../../../lib/api/request-signature';
import { sigV4Headers } from '../../support/sigv4';

const credentials = { accessKeyId: 'SLUIABCDEFGHIJKLMNOP', secretAccessKey: 'a-secret-of-this-installation-0123456789' };
const now = new Date('2026-12-05T09:30:00Z');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface ToSign {
  method?: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  service?: string;
  region?: string;
  signedWith?: typeof credentials;
  signingDate?: Date;
  body?: string;
}

/** A request signed the way the AWS SDKs sign it, as the server receives it. */
async function signed({
  method = 'GET',
  path,
  query = {},
  headers = {},
  service = 's3',
  region = 'eu-west-1',
  signedWith = credentials,
  signingDate = now,
  body,
}: ToSign): Promise<ReceivedRequest> {
  const received = await sigV4Headers({ method, host: '127.0.0.1:8041', path, query, headers, body, credentials: signedWith, service, region, signingDate });
  const queryString = Object.entries(query)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
  return { method, path, query: queryString, headers: received, payloadHash: received['x-amz-content-sha256'] ?? sha256(body ?? '') };
}

const verify = (request: ReceivedRequest, service = 's3') => verifyRequestSignature(request, { credentials, service, now });

describe('verifyRequestSignature', () => {
  it('accepts S3 requests signed with the credentials: keys with spaces and pluses, query parameters, streaming and unsigned payloads, any region', async () => {
    const requests = [
      await signed({ method: 'PUT', path: '/app-source/releases/a%20dir/app%2B1.zip', headers: { 'x-amz-content-sha256': sha256('zip') } }),
      await signed({
        path: '/app-source',
        query: { 'list-type': '2', prefix: 'a b+c/', 'max-keys': '10' },
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      }),
      await signed({
        method: 'PUT',
        path: '/app-source/big.zip',
        headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'x-amz-decoded-content-length': '11', 'content-encoding': 'aws-chunked' },
      }),
      await signed({
        method: 'PUT',
        path: '/app-source/k',
        region: 'us-east-1',
        headers: { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32' },
      }),
    ];

    for (const request of requests) expect([request.path, await verify(request)]).toEqual([request.path, { accepted: true }]);
  });

  it('accepts a request of another service, whose payload hash the caller computes from the body and which the client did not send as a header', async () => {
    const body = '{"name":"app"}';
    const request = await signed({
      method: 'POST',
      path: '/',
      service: 'codepipeline',
      body,
      headers: { 'x-amz-target': 'CodePipeline_20150709.GetPipeline', 'content-type': 'application/x-amz-json-1.1' },
    });

    expect(request.headers['x-amz-content-sha256']).toBeUndefined();
    expect(await verify({ ...request, payloadHash: sha256(body) }, 'codepipeline')).toEqual({ accepted: true });
    expect(await verify({ ...request, payloadHash: sha256('{"name":"other"}') }, 'codepipeline')).toMatchObject({ accepted: false, reason: 'mismatch' });
    expect(await verify(request, 's3')).toMatchObject({ accepted: false, reason: 'malformed' });
  });

  it('refuses a request that is not signed, or signed in a presigned URL, saying how to sign it', async () => {
    expect(await verify({ method: 'PUT', path: '/b/k', query: '', headers: { host: '127.0.0.1' }, payloadHash: '' })).toEqual({
      accepted: false,
      reason: 'unsigned',
      message: expect.stringContaining('sluice credentials'),
    });
    const presigned = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=SLUI%2F20261205%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00';
    expect(await verify({ method: 'GET', path: '/b/k', query: presigned, headers: { host: '127.0.0.1' }, payloadHash: '' })).toMatchObject({
      accepted: false,
      reason: 'presigned',
    });
  });

  it('refuses a request signed with another key or another secret', async () => {
    const otherKey = await signed({ path: '/b/k', signedWith: { accessKeyId: 'S3RVER', secretAccessKey: credentials.secretAccessKey } });
    const otherSecret = await signed({ path: '/b/k', signedWith: { accessKeyId: credentials.accessKeyId, secretAccessKey: 'guessed' } });

    expect(await verify(otherKey)).toMatchObject({ accepted: false, reason: 'unknown-key', message: expect.stringContaining('S3RVER') });
    expect(await verify(otherSecret)).toMatchObject({ accepted: false, reason: 'mismatch' });
  });

  it('refuses a signed request that was changed on the way: method, path, query, a signed header, the payload hash', async () => {
    const original = await signed({
      method: 'PUT',
      path: '/b/key',
      query: { tagging: '' },
      headers: { 'x-amz-content-sha256': sha256('one'), 'content-type': 'application/zip' },
    });
    const changed: ReceivedRequest[] = [
      { ...original, method: 'DELETE' },
      { ...original, path: '/b/other-key' },
      { ...original, query: 'acl=' },
      { ...original, headers: { ...original.headers, 'content-type': 'text/html' } },
      { ...original, headers: { ...original.headers, 'x-amz-content-sha256': sha256('two') }, payloadHash: sha256('two') },
    ];

    for (const request of changed) expect(await verify(request)).toMatchObject({ accepted: false, reason: 'mismatch' });
  });

  it('refuses an x-amz header added without being signed, and a signed header that is missing', async () => {
    const original = await signed({ method: 'PUT', path: '/b/copy', headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const added = { ...original, headers: { ...original.headers, 'x-amz-copy-source': '/b/secret' } };
    const { 'x-amz-content-sha256': _removed, ...withoutHash } = original.headers;

    expect(await verify(added)).toMatchObject({ accepted: false, reason: 'malformed', message: expect.stringContaining('x-amz-copy-source') });
    expect(await verify({ ...original, headers: withoutHash })).toMatchObject({
      accepted: false,
      reason: 'malformed',
      message: expect.stringContaining('missing'),
    });
  });

  it('refuses a request signed more than 15 minutes away, or for another service, or with a malformed Authorization header or query', async () => {
    const old = await signed({ path: '/b/k', signingDate: new Date(now.getTime() - 16 * 60_000) });
    const recent = await signed({ path: '/b/k', signingDate: new Date(now.getTime() - 14 * 60_000) });
    const otherService = await signed({ path: '/b/k', service: 'dynamodb' });
    const good = await signed({ path: '/b/k' });

    expect(await verify(old)).toMatchObject({ accepted: false, reason: 'skewed' });
    expect(await verify(recent)).toEqual({ accepted: true });
    expect(await verify(otherService)).toMatchObject({ accepted: false, reason: 'malformed', message: expect.stringContaining('dynamodb') });
    for (const authorization of [
      'AWS4-HMAC-SHA256 Credential=x',
      'AWS AKID:signature',
      `${good.headers.authorization}`.replace(/Signature=\w+/, 'Signature=zz'),
    ]) {
      expect(await verify({ ...good, headers: { ...good.headers, authorization } })).toMatchObject({ accepted: false, reason: 'malformed' });
    }
    expect(await verify({ ...good, query: 'prefix=%E0%A4%A' })).toMatchObject({ accepted: false, reason: 'malformed' });
  });
});
