import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { lookup } from 'mime-types';
import { pathParameter } from '../../api/path-parameter';
import { BadInputError } from '../../core/errors';
import { BlobNotFoundError, type BlobStore } from '../../ports/blob-store';
import { originGuard } from './origin-guard';

/** S3's longest object key, in bytes; no longer key can name an object. */
const MAX_OBJECT_KEY_LENGTH = 1024;

export interface SiteServer {
  url: string;
  close(): Promise<void>;
}

const textResponse = (response: ServerResponse, status: number, text: string) =>
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);

/**
 * Serves a bucket as a static website, as S3 website hosting does: `/` is `index.html`. It answers
 * only to its loopback names, so that no page can read it through DNS rebinding.
 */
export async function serveBucketSite(blobs: BlobStore, bucketName: string, port = 0): Promise<SiteServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: listening } = server.address() as AddressInfo;
  const refuse = originGuard({ port: listening });
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const refusal = refuse(request.method ?? 'GET', request.headers);
    if (refusal) return textResponse(response, refusal.status, refusal.message);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!request.url?.startsWith('/')) return textResponse(response, 400, 'The request target must be a path.');
    let pathname: string;
    try {
      pathname = pathParameter(new URL(`http://site${request.url}`).pathname, MAX_OBJECT_KEY_LENGTH);
    } catch (error) {
      return textResponse(response, 400, (error as Error).message);
    }
    const objectKey = (pathname.endsWith('/') ? `${pathname}index.html` : pathname).slice(1);
    try {
      const object = await blobs.get({ bucketName, objectKey });
      response.writeHead(200, { 'content-type': lookup(objectKey) || 'application/octet-stream' });
      if (request.method === 'HEAD') {
        object.body.destroy();
        response.end();
      } else await pipeline(object.body, response);
    } catch (error) {
      if (response.headersSent) return;
      if (error instanceof BadInputError) return textResponse(response, 400, error.message);
      if (error instanceof BlobNotFoundError) return textResponse(response, 404, `Not found: ${objectKey}`);
      console.error(`GET ${objectKey} failed:`, error);
      textResponse(response, 500, 'Internal error');
    }
  };
  // serve answers every failure itself, so nothing is left to wait for.
  server.on('request', (request: IncomingMessage, response: ServerResponse) => void serve(request, response));
  return {
    url: `http://127.0.0.1:${listening}/`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
