import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_TOKEN_HEADER } from '../../api/http-api-client';
import { handleJsonApiRequest, jsonResponse as json } from '../../api/json-api';
import { handleApprovalRequest } from '../../api/approval-routes';
import { pathParameter } from '../../api/path-parameter';
import { handleWebhookBody, refuseWebhookBeforeBody, WEBHOOK_MAX_BODY_BYTES, type WebhookRouteDependencies } from '../../api/webhook-routes';
import type { HttpRequest, HttpResponse } from '../../api/http-types';
import { BadInputError, NotFoundError } from '../../core/errors';
import type { ApprovalDependencies } from '../../execution/approvals';
import { sameSecret } from '../../execution/same-secret';
import type { ExecutionDetail, SluiceApi } from '../../operations/sluice-api';
import { BodyBudget } from './body-budget';
import { originGuard } from './origin-guard';

const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The webhook bodies held in memory at once: one as large as GitHub sends, and smaller ones
 * beside it. A body must be read whole before its signature can be checked, so without this
 * bound, concurrent large bodies with made-up signatures would take all the memory there is.
 * Reading costs about twice a body's size for a while: the chunks it arrives in stay in memory
 * until the garbage collector runs (bench/webhook-memory.ts measures it).
 */
export const WEBHOOK_BODY_BUDGET_BYTES = 32 * 1024 * 1024;
/** How long a delivery refused for want of room is asked to wait before it is sent again. */
const WEBHOOK_RETRY_AFTER_SECONDS = 10;

export interface LocalHttpServer {
  url: string;
  close(): Promise<void>;
}

export interface LocalHttpServerOptions {
  api: SluiceApi;
  token: string;
  approvals: ApprovalDependencies;
  webhooks?: WebhookRouteDependencies;
  port?: number;
  /** The URL a proxy or tunnel serves this server at, whose host it answers to besides loopback's. */
  publicUrl?: URL;
}

class BodyTooLarge extends Error {
  constructor(maxBytes: number) {
    super(`The body is larger than ${maxBytes / (1024 * 1024)} MB, the most this path takes.`);
  }
}

/**
 * An answer given before the body is read, or while it is: the connection closes after it, so
 * that the rest of the body is never read.
 */
const unread = (response: HttpResponse): HttpResponse => ({ ...response, headers: { ...response.headers, connection: 'close' } });

const declaredLength = (incoming: IncomingMessage): number | undefined =>
  incoming.headers['content-length'] === undefined ? undefined : Number(incoming.headers['content-length']);

/**
 * Reads a body of at most `maxBytes`, once the request has passed every check its headers allow:
 * a client that waits for `100 Continue` gets it only now. A body of a declared length is read
 * into one buffer of that size, so that it is in memory once, not also as the chunks it came in.
 */
async function readBody(incoming: IncomingMessage, outgoing: ServerResponse, maxBytes: number): Promise<Buffer> {
  const declared = declaredLength(incoming);
  if ((declared ?? 0) > maxBytes) throw new BodyTooLarge(maxBytes);
  if (/100-continue/i.test(incoming.headers.expect ?? '')) outgoing.writeContinue();
  const chunks: Buffer[] = [];
  const body = declared === undefined ? undefined : Buffer.allocUnsafe(declared);
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    if (size + chunk.length > maxBytes) throw new BodyTooLarge(maxBytes);
    if (body) chunk.copy(body, size);
    else chunks.push(chunk);
    size += chunk.length;
  }
  return body ? body.subarray(0, size) : Buffer.concat(chunks, size);
}

/** The request line and headers; undefined for a target that is not a path (`*`, or a whole URL). */
function requestHead(incoming: IncomingMessage): Omit<HttpRequest, 'body'> | undefined {
  if (!incoming.url?.startsWith('/')) return undefined;
  const url = new URL(`http://local${incoming.url}`);
  return {
    method: incoming.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: Object.fromEntries(Object.entries(incoming.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
    sourceIp: incoming.socket.remoteAddress,
  };
}

const EXECUTION_PAGE = /^\/executions\/([^/]+)(\/logs)?$/;

/**
 * An execution as its page shows it, to anyone who can reach it: a Manual approval's token and
 * id, with which it can be decided, are left out, as are the approver's address and browser.
 */
function withoutApprovalSecrets(detail: ExecutionDetail): unknown {
  return {
    ...detail,
    actions: detail.actions.map(({ approval, ...action }) => {
      if (!approval?.decision) return action;
      const { ip: _ip, userAgent: _userAgent, ...decision } = approval.decision;
      return { ...action, approval: { decision } };
    }),
  };
}

/**
 * `/executions/{id}` and `/executions/{id}/logs?action=...`, which notification mails and commit
 * statuses link to: read-only views of an execution and its logs.
 */
async function executionView(api: SluiceApi, request: HttpRequest): Promise<HttpResponse | undefined> {
  const match = EXECUTION_PAGE.exec(request.path);
  if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) return undefined;
  try {
    const executionId = pathParameter(match[1]!);
    if (!match[2]) return json(200, withoutApprovalSecrets(await api.getPipelineExecution(executionId)));
    const logs = await api.getLogs(executionId, request.query.action);
    const text = logs.map((log) => (request.query.action ? log.text : `==> ${log.stageName}/${log.actionName} <==\n${log.text}`)).join('\n');
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }, body: text };
  } catch (error) {
    if (error instanceof NotFoundError) return json(404, { error: error.name, message: error.message });
    if (error instanceof BadInputError) return json(400, { error: error.name, message: error.message });
    throw error;
  }
}

/**
 * The local HTTP surface of the process that owns a data dir, on loopback: the API that other
 * `sluice` commands use, the approval pages that approval mails link to, the execution pages,
 * and, when given its dependencies, GitHub's webhook. Every request must name this server as its
 * Host, and one that changes anything must not come from another origin's page.
 */
export async function startLocalHttpServer(options: LocalHttpServerOptions): Promise<LocalHttpServer> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  const refuse = originGuard({
    port,
    publicUrl: options.publicUrl,
    hostHint: options.publicUrl ? undefined : 'Behind a proxy or a tunnel, start sluice serve with --public-url and the URL it is reached at.',
  });
  const webhookBodies = new BodyBudget(WEBHOOK_BODY_BUDGET_BYTES);

  async function webhookResponse(webhooks: WebhookRouteDependencies, head: Omit<HttpRequest, 'body'>, incoming: IncomingMessage, outgoing: ServerResponse) {
    const refusal = refuseWebhookBeforeBody(webhooks, head);
    if (refusal) return unread(refusal);
    const release = webhookBodies.reserve(declaredLength(incoming) ?? WEBHOOK_MAX_BODY_BYTES);
    if (!release) {
      const busy = json(503, { error: 'Sluice.Busy', message: `Other large deliveries are being read; send this one again in ${WEBHOOK_RETRY_AFTER_SECONDS} seconds.` });
      return unread({ ...busy, headers: { ...busy.headers, 'retry-after': String(WEBHOOK_RETRY_AFTER_SECONDS) } });
    }
    try {
      return await handleWebhookBody(webhooks, head, await readBody(incoming, outgoing, WEBHOOK_MAX_BODY_BYTES));
    } finally {
      release();
    }
  }

  async function respond(incoming: IncomingMessage, outgoing: ServerResponse): Promise<HttpResponse> {
    const refusal = refuse(incoming.method ?? 'GET', incoming.headers);
    if (refusal) return unread(json(refusal.status, { error: refusal.status === 421 ? 'Sluice.MisdirectedRequest' : 'Sluice.Forbidden', message: refusal.message }));
    const head = requestHead(incoming);
    if (!head) return unread(json(400, { error: 'Sluice.BadInput', message: 'The request target must be a path, such as /api/pipelines.' }));
    if (head.path.startsWith('/api/')) {
      if (!sameSecret(head.headers[API_TOKEN_HEADER], options.token)) return unread(json(403, { error: 'Sluice.Forbidden', message: 'Missing or wrong API token.' }));
      return handleJsonApiRequest(options.api, { ...head, body: (await readBody(incoming, outgoing, MAX_BODY_BYTES)).toString('utf8') });
    }
    if (options.webhooks && head.path.startsWith('/webhooks/')) return webhookResponse(options.webhooks, head, incoming, outgoing);
    const request = { ...head, body: (await readBody(incoming, outgoing, MAX_BODY_BYTES)).toString('utf8') };
    return (
      (await handleApprovalRequest(options.approvals, request)) ??
      (await executionView(options.api, request)) ??
      json(404, { error: 'Sluice.NotFound', message: `Nothing at ${request.path}.` })
    );
  }

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    let response: HttpResponse;
    try {
      response = await respond(incoming, outgoing);
    } catch (error) {
      // A client that went away while it sent its body is not there to be answered.
      if (incoming.socket.destroyed) return;
      if (error instanceof BodyTooLarge) {
        response = unread(json(413, { error: 'Sluice.BadInput', message: error.message }));
      } else {
        // The detail stays in the server's output: a client that may be anyone gets none of it.
        console.error(`${incoming.method} ${incoming.url?.slice(0, 200)} failed:`, error);
        response = json(500, { error: 'Sluice.InternalError', message: 'Internal error; the output of sluice serve has the details.' });
      }
    }
    outgoing.writeHead(response.status, response.headers).end(incoming.method === 'HEAD' ? undefined : response.body);
  };
  // handle answers every failure itself, so nothing is left to wait for.
  server.on('request', (incoming: IncomingMessage, outgoing: ServerResponse) => void handle(incoming, outgoing));
  // Without this listener, Node answers `Expect: 100-continue` at once, before any check is made.
  server.on('checkContinue', (incoming: IncomingMessage, outgoing: ServerResponse) => void handle(incoming, outgoing));
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
