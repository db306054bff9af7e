import http from 'node:http';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { removeDirectory, startTestStack, temporaryDirectory, type TestStack } from '../support/embedded-stack';

/** A PUT with hand-made headers and body, as no SDK would send it. */
function rawPut(endpoint: string, objectPath: string, headers: http.OutgoingHttpHeaders, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${endpoint}${objectPath}`, { method: 'PUT', headers, agent: false }, (response) => {
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

  it('listens on loopback ports', () => {
    expect(test.stack.s3Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(test.stack.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers a malformed aws-chunked body with a 400', async () => {
    const answer = await rawPut(
      test.stack.s3Endpoint,
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
      test.stack.s3Endpoint,
      '/framing/signed.txt',
      { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '11', 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
      `6;${signature}\r\nhello \r\n5;${signature}\r\nworld\r\n0;${signature}\r\n\r\n`,
    );

    expect(answer.status).toBe(200);
    const object = await new S3BlobStore(test.clients.s3).get({ bucketName: 'framing', objectKey: 'signed.txt' });
    expect((await object.body.toArray()).join('')).toBe('hello world');
  });
});
