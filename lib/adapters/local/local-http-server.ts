import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_TOKEN_HEADER } from '../../api/http-api-client';
import { handleJsonApiRequest, jsonResponse as json } from '../../api/json-api';
import { handleApprovalRequest } from '../../api/approval-routes';
import { handleWebhookRequest, WEBHOOK_MAX_BODY_BYTES, type WebhookRouteDependencies } from '../../api/webhook-routes';
import type { HttpRequest, HttpResponse } from '../../api/http-types';
import { NotFoundError } from '../../core/errors';
import type { ApprovalDependencies } from '../../execution/approvals';
import type { SluiceApi } from '../../operations/sluice-api';

const MAX_BODY_BYTES = 1024 * 1024;

export interface LocalHttpServer {
  url: string;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

/** Refuses a body that says it is too large before reading it, and one that turns out to be. */
async function readBody(request: IncomingMessage, maxBytes: number): Promise<string> {
  if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sameToken(given: string | undefined, token: string): boolean {
  return given !== undefined && given.length === token.length && timingSafeEqual(Buffer.from(given), Buffer.from(token));
}

/** `/api/...` for the other commands, with the token from the lock file. */
async function apiResponse(api: SluiceApi, token: string, request: HttpRequest): Promise<HttpResponse> {
  if (!sameToken(request.headers[API_TOKEN_HEADER], token)) return json(403, { error: 'Sluice.Forbidden', message: 'Missing or wrong API token.' });
  return handleJsonApiRequest(api, request);
}

const EXECUTION_PAGE = /^\/executions\/([^/]+)(\/logs)?$/;

/**
 * `/executions/{id}` and `/executions/{id}/logs?action=...`, which notification mails link to:
 * read-only views of an execution and its logs, on loopback only.
 */
async function executionView(api: SluiceApi, request: HttpRequest): Promise<HttpResponse | undefined> {
  const match = EXECUTION_PAGE.exec(request.path);
  if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) return undefined;
  const executionId = decodeURIComponent(match[1]!);
  try {
    if (!match[2]) return json(200, await api.getPipelineExecution(executionId));
    const logs = await api.getLogs(executionId, request.query.action);
    const text = logs.map((log) => (request.query.action ? log.text : `==> ${log.stageName}/${log.actionName} <==\n${log.text}`)).join('\n');
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: text };
  } catch (error) {
    if (error instanceof NotFoundError) return json(404, { error: error.name, message: error.message });
    throw error;
  }
}

/**
 * The local HTTP surface of the process that owns a data dir, on loopback: the API that other
 * `sluice` commands use, the approval pages that approval mails link to, and, when given its
 * dependencies, GitHub's webhook.
 */
export async function startLocalHttpServer(
  options: { api: SluiceApi; token: string; approvals: ApprovalDependencies; webhooks?: WebhookRouteDependencies; port?: number },
): Promise<LocalHttpServer> {
  const server = createServer(async (incoming, outgoing) => {
    const url = new URL(incoming.url ?? '/', 'http://local');
    const maxBodyBytes = options.webhooks && url.pathname.startsWith('/webhooks/') ? WEBHOOK_MAX_BODY_BYTES : MAX_BODY_BYTES;
    let response: HttpResponse;
    try {
      const request: HttpRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: Object.fromEntries(Object.entries(incoming.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
        body: await readBody(incoming, maxBodyBytes),
        sourceIp: incoming.socket.remoteAddress,
      };
      response = request.path.startsWith('/api/')
        ? await apiResponse(options.api, options.token, request)
        : ((options.webhooks && (await handleWebhookRequest(options.webhooks, request))) ??
          (await handleApprovalRequest(options.approvals, request)) ??
          (await executionView(options.api, request)) ??
          json(404, { error: 'Sluice.NotFound', message: `Nothing at ${request.path}.` }));
    } catch (error) {
      response = error instanceof BodyTooLarge
        ? json(413, { error: 'Sluice.BadInput', message: `The body is larger than ${maxBodyBytes / (1024 * 1024)} MB.` })
        : json(500, { error: 'Sluice.InternalError', message: (error as Error).message });
    }
    outgoing.writeHead(response.status, response.headers).end(incoming.method === 'HEAD' ? undefined : response.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
