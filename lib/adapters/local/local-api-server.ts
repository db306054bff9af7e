import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { API_TOKEN_HEADER } from '../../api/http-api-client';
import { handleApiRequest } from '../../api/api-routes';
import type { SluiceApi } from '../../operations/sluice-api';

const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalApiServer {
  url: string;
  close(): Promise<void>;
}

function sameToken(given: string | string[] | undefined, token: string): boolean {
  if (typeof given !== 'string' || given.length !== token.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

async function jsonBody(request: IncomingMessage): Promise<unknown> {
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw new RangeError('body too large');
  const body = await text(request);
  return body === '' ? undefined : JSON.parse(body);
}

/**
 * The API of the process that owns a data dir, on loopback, for the other `sluice` commands on
 * that data dir. Only callers that can read the data dir's lock file know the token.
 */
export async function startLocalApiServer(api: SluiceApi, token: string): Promise<LocalApiServer> {
  const server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    };
    if (!sameToken(request.headers[API_TOKEN_HEADER], token)) return reply(403, { error: 'Sluice.Forbidden', message: 'Missing or wrong API token.' });
    let body: unknown;
    try {
      body = await jsonBody(request);
    } catch {
      return reply(400, { error: 'Sluice.BadInput', message: 'The body must be JSON, at most 1 MB.' });
    }
    const url = new URL(request.url ?? '/', 'http://local');
    try {
      const result = await handleApiRequest(api, { method: request.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body });
      reply(result.status, result.body);
    } catch (error) {
      reply(500, { error: 'Sluice.InternalError', message: (error as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
