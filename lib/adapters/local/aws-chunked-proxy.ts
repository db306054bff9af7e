import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import { AwsChunkedDecoder, AwsChunkedFramingError, isAwsChunked } from './aws-chunked-decoder';

/** Hop-by-hop headers belong to one connection, so they are not forwarded. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'expect', 'te', 'trailer', 'upgrade', 'proxy-connection'];

export interface RunningProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy that decodes `aws-chunked` request bodies before they reach the server
 * behind it, which would otherwise store the chunk framing as object data. Bodies are streamed.
 */
export async function startAwsChunkedProxy(upstreamPort: number): Promise<RunningProxy> {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((request, response) => {
    try {
      forward(request, response, upstreamPort, agent);
    } catch (error) {
      fail(response, error as Error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

function forward(request: http.IncomingMessage, response: http.ServerResponse, upstreamPort: number, agent: http.Agent): void {
  const chunked = isAwsChunked(request.headers);
  const decodedLength = request.headers['x-amz-decoded-content-length'];
  const expectedLength = chunked && typeof decodedLength === 'string' && /^\d+$/.test(decodedLength) ? Number(decodedLength) : undefined;
  const upstream = http.request({
    host: '127.0.0.1',
    port: upstreamPort,
    method: request.method,
    path: request.url,
    headers: chunked ? decodedHeaders(request.headers, expectedLength) : withoutHopByHop(request.headers),
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
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(error.message)}</Message></Error>`);
}

function withoutHopByHop<T extends http.IncomingHttpHeaders>(headers: T): T {
  const forwarded = { ...headers };
  for (const name of HOP_BY_HOP) delete forwarded[name];
  return forwarded;
}

/** What S3 itself records once it has decoded the body: the plain length, no aws-chunked encoding. */
function decodedHeaders(headers: http.IncomingHttpHeaders, expectedLength: number | undefined): http.OutgoingHttpHeaders {
  const { 'x-amz-decoded-content-length': _decoded, 'x-amz-trailer': _trailer, 'content-length': _length, ...rest } = withoutHopByHop(headers);
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
