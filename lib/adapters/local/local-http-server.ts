import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  BadInputError,
  BodyTooLargeError,
  BusyError,
  errorAnswer,
  ForbiddenError,
  InternalError,
  MethodNotAllowedError,
  MisdirectedRequestError,
  NotFoundError,
  SluiceError,
} from '../../core/errors';
import { Session } from 'better-sse';
import type { ConsoleSessionCheck } from '../../ports/console-sign-in';
import { pipeline } from 'node:stream/promises';
import type { DownloadRoutes, EventStreamRoutes, StreamedRequest } from '../../ports/streamed-routes';
import { sameSecret } from '../../core/same-secret';
import { API_TOKEN_HEADER, type HttpApi } from '../../ports/http-api';
import { BodyBudget } from './body-budget';
import { originGuard } from './origin-guard';

/**
 * The webhook bodies held in memory at once: one as large as GitHub sends, and smaller ones
 * beside it. A body must be read whole before its signature can be checked, so without this
 * bound, concurrent large bodies with made-up signatures would take all the memory there is.
 * Reading costs about twice a body's size for a while, and the text the handler takes it as once
 * more: the chunks it arrives in stay in memory until the garbage collector runs
 * (bench/webhook-memory.ts measures it).
 */
export const WEBHOOK_BODY_BUDGET_BYTES = 32 * 1024 * 1024;
/** How long a delivery refused for want of room is asked to wait before it is sent again. */
const WEBHOOK_RETRY_AFTER_SECONDS = 10;

export interface LocalHttpServer {
  url: string;
  close(): Promise<void>;
}

export interface LocalHttpServerOptions {
  /** The HTTP API whose handler Lambda runs behind API Gateway on AWS. */
  httpApi: HttpApi;
  /** What a request that needs credentials must carry in `x-sluice-token`, where IAM authorizes it on AWS. */
  token: string;
  port?: number;
  /** The URL a proxy or tunnel serves this server at, whose host it answers to besides loopback's. */
  publicUrl?: URL;
  /** What a console request must carry in its headers; without it, the console's API is not served. */
  consoleSessions?: ConsoleSessionCheck;
  /** The console's routes that answer with a stream of events, which API Gateway cannot serve. */
  eventStreams?: EventStreamRoutes;
  /** The routes that answer with a file streamed from storage. */
  downloads?: DownloadRoutes;
}

type Result = APIGatewayProxyStructuredResultV2;

/**
 * An answer given before the body is read, or while it is: the connection closes after it, so
 * that the rest of the body is never read.
 */
const unread = (result: Result): Result => ({ ...result, headers: { ...result.headers, connection: 'close' } });

/** A refusal by the server itself, as the HTTP API answers with an error. */
function refusal(error: SluiceError, requestId: string): Result {
  const { status, headers, body } = errorAnswer(error, { authenticated: false, requestId });
  return unread({ statusCode: status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }, body: JSON.stringify(body) });
}

const declaredLength = (incoming: IncomingMessage): number | undefined =>
  incoming.headers['content-length'] === undefined ? undefined : Number(incoming.headers['content-length']);

/**
 * Reads a body of at most `maxBytes`, once the request has passed every check its headers allow:
 * a client that waits for `100 Continue` gets it only now. A body of a declared length is read
 * into one buffer of that size, so that it is in memory once, not also as the chunks it came in.
 */
async function readBody(incoming: IncomingMessage, outgoing: ServerResponse, maxBytes: number): Promise<Buffer> {
  const declared = declaredLength(incoming);
  if ((declared ?? 0) > maxBytes) throw new BodyTooLargeError(maxBytes);
  if (/100-continue/i.test(incoming.headers.expect ?? '')) outgoing.writeContinue();
  const chunks: Buffer[] = [];
  const body = declared === undefined ? undefined : Buffer.allocUnsafe(declared);
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    if (size + chunk.length > maxBytes) throw new BodyTooLargeError(maxBytes);
    if (body) chunk.copy(body, size);
    else chunks.push(chunk);
    size += chunk.length;
  }
  return body ? body.subarray(0, size) : Buffer.concat(chunks, size);
}

type RequestHead = Omit<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>;

/**
 * The request line and headers as API Gateway's HTTP API (payload format 2.0) gives them;
 * undefined for a target that is not a path (`*`, or a whole URL).
 */
function eventHead(incoming: IncomingMessage, requestId: string): RequestHead | undefined {
  if (!incoming.url?.startsWith('/')) return undefined;
  const url = new URL(`http://local${incoming.url}`);
  const headers = Object.fromEntries(Object.entries(incoming.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
  const method = incoming.method ?? 'GET';
  const now = new Date();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '',
      domainPrefix: '',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${incoming.httpVersion}`,
        sourceIp: incoming.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  };
}

/** An answer that the stream of events wrote itself. */
const STREAMED = Symbol('streamed');
/** How often a stream with nothing to say sends a comment, so that proxies and the browser keep it open. */
const KEEPALIVE_MS = 15_000;

/**
 * Answers with a stream of server-sent events, each numbered, until the stream ends or its client
 * goes away; closing the server closes it too. The stream is opened before anything is sent, so a
 * request that names nothing is answered with its error instead.
 */
async function streamEvents(
  routes: EventStreamRoutes,
  request: StreamedRequest,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
): Promise<typeof STREAMED> {
  // The session is made once the stream has opened; what the stream says before it connects waits.
  const answer: { session?: Session; sent: number } = { sent: 0 };
  const waiting: (() => void)[] = [];
  const whenConnected = (write: () => void) => (answer.session?.isConnected ? write() : waiting.push(write));
  const stop = await routes.open(request, {
    send: ({ event, data }) =>
      whenConnected(() => {
        answer.sent += 1;
        answer.session!.push(data, event, String(answer.sent));
      }),
    end: () => whenConnected(() => outgoing.end()),
  });
  if (incoming.socket.destroyed) {
    stop();
    return STREAMED;
  }
  const session = new Session(incoming, outgoing, {
    keepAlive: KEEPALIVE_MS,
    retry: null,
    trustClientEventId: false,
    headers: { 'x-content-type-options': 'nosniff' },
  });
  answer.session = session;
  session.once('disconnected', stop);
  session.once('connected', () => waiting.splice(0).forEach((write) => write()));
  return STREAMED;
}

/** Answers with a file as it is read from storage; a client that goes away stops the reading. */
async function sendDownload(routes: DownloadRoutes, request: StreamedRequest, outgoing: ServerResponse): Promise<typeof STREAMED> {
  const download = await routes.open(request);
  outgoing.writeHead(200, {
    'content-type': download.contentType,
    'content-disposition': `attachment; filename="${download.filename.replace(/[^\w.-]/g, '_')}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(download.contentLength === undefined ? {} : { 'content-length': String(download.contentLength) }),
  });
  pipeline(download.body, outgoing).catch(() => outgoing.destroy());
  return STREAMED;
}

/** What Lambda gives a handler besides the event, as far as the HTTP API reads it. */
function lambdaContext(requestId: string): Context {
  return {
    awsRequestId: requestId,
    functionName: 'sluice-serve',
    functionVersion: '$LATEST',
    invokedFunctionArn: '',
    memoryLimitInMB: String(Math.round(process.memoryUsage().heapTotal / (1024 * 1024))),
    logGroupName: '',
    logStreamName: '',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Number.MAX_SAFE_INTEGER,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * The local HTTP surface of the process that owns a data dir, on loopback: it does API Gateway's
 * part, and hands each request, as the same event, to the HTTP API's handler. Every request must
 * name this server as its Host, and one that changes anything must not come from another origin's
 * page; what needs credentials must carry the API token; a body is read only once its head has
 * passed, within the most its path takes, and large bodies within a budget of bytes in flight.
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
  const largeBodies = new BodyBudget(WEBHOOK_BODY_BUDGET_BYTES);

  /** The principal of a console request's session, or why it has none. */
  const consoleSession = (head: RequestHead, incoming: IncomingMessage): { principal: string } | SluiceError =>
    options.consoleSessions?.authenticate(head.requestContext.http.method, incoming.headers) ?? new NotFoundError(`Nothing at ${head.rawPath}.`);

  /**
   * How an authenticated request is answered with a stream, where its path is one of the routes
   * that API Gateway cannot serve: the console's events (its sessions' only), and downloads.
   */
  const streamedAnswer = (head: RequestHead, session: { principal: string } | undefined) => {
    const request: StreamedRequest = {
      path: head.rawPath,
      query: head.queryStringParameters ?? {},
      sourceIp: head.requestContext.http.sourceIp,
      ...(session ? { principal: session.principal } : {}),
    };
    const { eventStreams, downloads } = options;
    if (session && eventStreams?.serves(request.path))
      return (incoming: IncomingMessage, outgoing: ServerResponse) => streamEvents(eventStreams, request, incoming, outgoing);
    if (downloads?.serves(request.path)) return (_: IncomingMessage, outgoing: ServerResponse) => sendDownload(downloads, request, outgoing);
    return undefined;
  };

  /** API Gateway's part, then the handler's: the body is read only once the head passes every check. */
  async function respond(incoming: IncomingMessage, outgoing: ServerResponse, requestId: string): Promise<Result | typeof STREAMED> {
    const guarded = refuse(incoming.method ?? 'GET', incoming.headers);
    if (guarded) return refusal(guarded.status === 421 ? new MisdirectedRequestError(guarded.message) : new ForbiddenError(guarded.message), requestId);
    const head = eventHead(incoming, requestId);
    if (!head) return refusal(new BadInputError('The request target must be a path, such as /api/pipelines.'), requestId);
    const admission = options.httpApi.admit(head);
    if (admission.authenticated === 'api' && !sameSecret(head.headers[API_TOKEN_HEADER], options.token))
      return refusal(new ForbiddenError('Missing or wrong API token.'), requestId);
    const session = admission.authenticated === 'console' ? consoleSession(head, incoming) : undefined;
    if (session instanceof SluiceError) return refusal(session, requestId);
    const streamed = admission.authenticated ? streamedAnswer(head, session) : undefined;
    if (streamed) {
      if (head.requestContext.http.method !== 'GET') return refusal(new MethodNotAllowedError(head.rawPath, ['GET']), requestId);
      return streamed(incoming, outgoing).catch((error: unknown) => {
        if (error instanceof SluiceError) return refusal(error, requestId);
        throw error;
      });
    }
    if (admission.refusal) return refusal(admission.refusal, requestId);
    const release = admission.large ? largeBodies.reserve(declaredLength(incoming) ?? admission.maxBodyBytes) : () => undefined;
    if (!release) return refusal(new BusyError(WEBHOOK_RETRY_AFTER_SECONDS, 'Other large deliveries are being read'), requestId);
    try {
      const body = await readBody(incoming, outgoing, admission.maxBodyBytes);
      // As API Gateway gives text: the handlers read it as UTF-8, GitHub's signature included.
      const event = {
        ...head,
        // Where API Gateway's authorizer puts what it verified, on AWS.
        ...(session ? { requestContext: { ...head.requestContext, authorizer: { lambda: { principal: session.principal } } } } : {}),
        ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
        isBase64Encoded: false,
      };
      return await options.httpApi.handle(event, lambdaContext(requestId));
    } finally {
      release();
    }
  }

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const requestId = randomUUID();
    let result: Result;
    try {
      const answered = await respond(incoming, outgoing, requestId);
      if (answered === STREAMED) return;
      result = answered;
    } catch (error) {
      // A client that went away while it sent its body is not there to be answered.
      if (incoming.socket.destroyed) return;
      if (error instanceof BodyTooLargeError) {
        result = refusal(error, requestId);
      } else {
        // The detail stays in the server's output: a client that may be anyone gets none of it.
        console.error(`${incoming.method} ${incoming.url?.slice(0, 200)} failed (request id ${requestId}):`, error);
        result = refusal(new InternalError(requestId), requestId);
      }
    }
    const body = result.body === undefined ? undefined : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    outgoing.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>).end(incoming.method === 'HEAD' ? undefined : body);
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
