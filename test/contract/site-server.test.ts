import { request } from 'node:http';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { serveBucketSite, type SiteServer } from '../../lib/adapters/local/site-server';
import { removeDirectory, startTestStack, temporaryDirectory, type TestStack } from '../support/embedded-stack';

let stack: TestStack;
let site: SiteServer;
let port: number;

/** A GET with exactly the Host given. */
function get(target: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path: target, agent: false, headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

beforeAll(async () => {
  stack = await startTestStack(await temporaryDirectory());
  const blobs = new S3BlobStore(stack.clients.s3);
  await blobs.ensureBucket('site');
  await blobs.put({ bucketName: 'site', objectKey: 'index.html' }, '<h1>the deployed site</h1>');
  site = await serveBucketSite(blobs, 'site');
  port = Number(new URL(site.url).port);
});

afterAll(async () => {
  await site.close();
  await stack.stop();
  await removeDirectory(stack.dataDir);
});

describe('the deployed site served on loopback', () => {
  it('serves the bucket to its loopback names', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect(await get('/', host)).toEqual({ status: 200, body: '<h1>the deployed site</h1>' });
    }
  });

  it('refuses a foreign Host, as DNS rebinding gives it, with 421', async () => {
    const answer = await get('/', `rebound.attacker.example:${port}`);

    expect(answer.status).toBe(421);
    expect(answer.body).toContain(`answers to 127.0.0.1:${port}, localhost:${port}, [::1]:${port}, not to the Host rebound.attacker.example:${port}`);
    expect(answer.body).not.toContain('the deployed site');
  });

  it('answers malformed percent-encoding with 400 and an unknown object with 404', async () => {
    expect((await get('/%E0%A4%A', `127.0.0.1:${port}`)).status).toBe(400);
    expect(await get('/missing.html', `127.0.0.1:${port}`)).toEqual({ status: 404, body: 'Not found: missing.html\n' });
  });
});
