import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { AwsChunkedDecoder, AwsChunkedFramingError, isAwsChunked } from './aws-chunked-decoder';
import { refuseUnsafeObjectPath, type S3Refusal } from './s3-request-checks';
import { listenOnSocket } from './socket-directory';

/** Hop-by-hop headers belong to one connection, so they are not forwarded. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'expect', 'te', 'trailer', 'upgrade', 'proxy-connection'];

export interface ProxyOptions {
  /** Where the proxy listens: a Unix socket, private to this user, or a port. */
  listen: { socketPath: string } | { port: number; host: string };
  /** The Unix socket of the S3 server behind it. */
  upstreamSocket: string;
  /** Checked before the body is read; a refusal is the answer, and nothing is forwarded. */
  admit?: (request: http.IncomingMessage) => Promise<S3Refusal | undefined>;
  /** Takes each admitted request in place of a plain forward: what keeps object versions. */
  route?: (request: http.IncomingMessage, response: http.ServerResponse, upstream: Upstream) => Promise<void>;
}

/** The S3 server behind the proxy, as a request handler in front of it sees it. */
export interface Upstream {
  /**
   * Forwards the request and its (decoded) body. `beforeAnswer` sees the server's response before
   * the client does, and gives headers to add to it. Settles once the answer is sent.
   */
  forward(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    beforeAnswer?: (upstreamResponse: http.IncomingMessage) => Promise<http.OutgoingHttpHeaders>,
  ): Promise<void>;
  /** A request of the proxy's own to the server, with no body. */
  send(method: string, path: string): Promise<http.IncomingMessage>;
  /** The request body as the server would get it: `aws-chunked` framing removed. */
  body(request: http.IncomingMessage): NodeJS.ReadableStream;
}

export interface RunningProxy {
  /** The socket path, or the address and port, that it listens on. */
  address: string | AddressInfo;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the embedded S3 server. It admits requests (`admit`, then
 * `refuseUnsafeObjectPath`), and decodes `aws-chunked` request bodies before they reach the
 * server, which would otherwise store the chunk framing as object data. Bodies are streamed. The
 * proxy is the embedded S3's only authority: the server behind it gets no Authorization header.
 */
export async function startAwsChunkedProxy(options: ProxyOptions): Promise<RunningProxy> {
  const agent = new http.Agent({ keepAlive: true });
  const upstream = upstreamThrough(options.upstreamSocket, agent);
  const handle = (request: http.IncomingMessage, response: http.ServerResponse, expectsContinue: boolean) => {
    admit(request, options.admit)
      .then(async (refusal) => {
        if (refusal) return answer(response, refusal);
        // A client that waits for "100 Continue" sends its body only once the request is admitted.
        if (expectsContinue) response.writeContinue();
        await (options.route ? options.route(request, response, upstream) : upstream.forward(request, response));
      })
      .catch((error: Error) => fail(response, error));
  };
  const server = http.createServer((request, response) => handle(request, response, false));
  server.on('checkContinue', (request: http.IncomingMessage, response: http.ServerResponse) => handle(request, response, true));
  const { listen } = options;
  if ('socketPath' in listen) await listenOnSocket(server, listen.socketPath);
  else {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, resolve);
    });
  }
  return {
    address: server.address()!,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

async function admit(request: http.IncomingMessage, check: ProxyOptions['admit']): Promise<S3Refusal | undefined> {
  return (await check?.(request)) ?? refuseUnsafeObjectPath(request);
}

function upstreamThrough(upstreamSocket: string, agent: http.Agent): Upstream {
  const send = (method: string, path: string, headers: http.OutgoingHttpHeaders = {}) =>
    http.request({ socketPath: upstreamSocket, method, path, headers, agent });
  return {
    forward: (request, response, beforeAnswer) =>
      new Promise<void>((resolve, reject) => {
        const chunked = isAwsChunked(request.headers);
        const upstream = send(
          request.method ?? 'GET',
          request.url ?? '/',
          chunked ? decodedHeaders(request.headers, expectedLength(request)) : forwardedHeaders(request.headers),
        );
        upstream.on('response', (upstreamResponse) => {
          (beforeAnswer ? beforeAnswer(upstreamResponse) : Promise.resolve({})).then(
            (added) => {
              response.writeHead(upstreamResponse.statusCode ?? 502, { ...withoutHopByHop(upstreamResponse.headers), ...added });
              pipeline(upstreamResponse, response, () => resolve());
            },
            (error: Error) => {
              upstreamResponse.resume();
              reject(error);
            },
          );
        });
        const done = (error: NodeJS.ErrnoException | null) => {
          if (!error) return;
          upstream.destroy();
          reject(error);
        };
        if (chunked) pipeline(request, new AwsChunkedDecoder(expectedLength(request)), upstream, done);
        else pipeline(request, upstream, done);
      }),
    send: (method, path) =>
      new Promise((resolve, reject) => {
        const request = send(method, path);
        request.on('response', resolve).on('error', reject).end();
      }),
    body: (request) => (isAwsChunked(request.headers) ? request.pipe(new AwsChunkedDecoder(expectedLength(request))) : request),
  };
}

function expectedLength(request: http.IncomingMessage): number | undefined {
  const decodedLength = request.headers['x-amz-decoded-content-length'];
  return typeof decodedLength === 'string' && /^\d+$/.test(decodedLength) ? Number(decodedLength) : undefined;
}

/** Answers with an S3-style error, or cuts the connection when the answer has already begun. */
export function fail(response: http.ServerResponse, error: Error): void {
  if (response.headersSent) return void response.destroy(error);
  const [status, code] = error instanceof AwsChunkedFramingError ? [400, 'IncompleteBody'] : [502, 'InternalError'];
  answer(response, { status, code, message: error.message });
}

/** The refused request's body is not read: the connection closes after the answer. */
export function answer(response: http.ServerResponse, { status, code, message }: S3Refusal): void {
  response.writeHead(status, { 'content-type': 'application/xml', connection: 'close' });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`);
}

function withoutHopByHop<T extends http.IncomingHttpHeaders>(headers: T): T {
  const forwarded = { ...headers };
  for (const name of HOP_BY_HOP) delete forwarded[name];
  return forwarded;
}

/** What the server behind gets: the request as admitted, without its signature. */
function forwardedHeaders(headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders {
  const { authorization: _authorization, ...rest } = withoutHopByHop(headers);
  return rest;
}

/** What S3 itself records once it has decoded the body: the plain length, no aws-chunked encoding. */
function decodedHeaders(headers: http.IncomingHttpHeaders, expectedLength: number | undefined): http.OutgoingHttpHeaders {
  const { 'x-amz-decoded-content-length': _decoded, 'x-amz-trailer': _trailer, 'content-length': _length, ...rest } = forwardedHeaders(headers);
  const contentEncoding = (headers['content-encoding'] ?? '')
    .split(',')
    .map((encoding) => encoding.trim())
    .filter((encoding) => encoding !== '' && encoding.toLowerCase() !== 'aws-chunked')
    .join(', ');
  const decoded: http.OutgoingHttpHeaders = { ...rest, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
  if (contentEncoding) decoded['content-encoding'] = contentEncoding;
  else delete decoded['content-encoding'];
  if (expectedLength !== undefined) decoded['content-length'] = expectedLength;
  return decoded;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
