import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { lookup } from 'mime-types';
import { BadInputError } from '../../core/errors';
import { BlobNotFoundError, type BlobStore } from '../../ports/blob-store';

export interface SiteServer {
  url: string;
  close(): Promise<void>;
}

/** Serves a bucket as a static website, as S3 website hosting does: `/` is `index.html`. */
export async function serveBucketSite(blobs: BlobStore, bucketName: string, port = 0): Promise<SiteServer> {
  const server: Server = createServer(async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://site').pathname);
    const objectKey = (pathname.endsWith('/') ? `${pathname}index.html` : pathname).slice(1);
    try {
      const object = await blobs.get({ bucketName, objectKey });
      response.writeHead(200, { 'content-type': lookup(objectKey) || 'application/octet-stream' });
      if (request.method === 'HEAD') {
        object.body.destroy();
        response.end();
      } else await pipeline(object.body, response);
    } catch (error) {
      if (!response.headersSent) {
        if (error instanceof BadInputError) response.writeHead(400, { 'content-type': 'text/plain' }).end(`${error.message}\n`);
        else if (error instanceof BlobNotFoundError) response.writeHead(404, { 'content-type': 'text/plain' }).end(`Not found: ${objectKey}\n`);
        else response.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error\n');
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: listening } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${listening}/`,
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
