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
  const handle = (request: http.IncomingMessage, response: http.ServerResponse, expectsContinue: boolean) => {
    admit(request, options.admit).then(
      (refusal) => {
        if (refusal) return answer(response, refusal);
        // A client that waits for "100 Continue" sends its body only once the request is admitted.
        if (expectsContinue) response.writeContinue();
        forward(request, response, options.upstreamSocket, agent);
      },
      (error: Error) => fail(response, error),
    );
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

function forward(request: http.IncomingMessage, response: http.ServerResponse, upstreamSocket: string, agent: http.Agent): void {
  const chunked = isAwsChunked(request.headers);
  const decodedLength = request.headers['x-amz-decoded-content-length'];
  const expectedLength = chunked && typeof decodedLength === 'string' && /^\d+$/.test(decodedLength) ? Number(decodedLength) : undefined;
  const upstream = http.request({
    socketPath: upstreamSocket,
    method: request.method,
    path: request.url,
    headers: chunked ? decodedHeaders(request.headers, expectedLength) : forwardedHeaders(request.headers),
    agent,
  });
  upstream.on('response', (upstreamResponse) => {
    response.writeHead(upstreamResponse.statusCode ?? 502, withoutHopByHop(upstreamResponse.headers));
    pipeline(upstreamResponse, response, () => {});
  });
  const done = (error: NodeJS.ErrnoException | null) => {
    if (!error) return;
    upstream.destroy();
    fail(response, error);
  };
  if (chunked) pipeline(request, new AwsChunkedDecoder(expectedLength), upstream, done);
  else pipeline(request, upstream, done);
}

/** Answers with an S3-style error, or cuts the connection when the answer has already begun. */
function fail(response: http.ServerResponse, error: Error): void {
  if (response.headersSent) return void response.destroy(error);
  const [status, code] = error instanceof AwsChunkedFramingError ? [400, 'IncompleteBody'] : [502, 'InternalError'];
  answer(response, { status, code, message: error.message });
}

/** The refused request's body is not read: the connection closes after the answer. */
function answer(response: http.ServerResponse, { status, code, message }: S3Refusal): void {
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
