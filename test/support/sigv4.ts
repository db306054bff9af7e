import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SigningCredentials } from '../../lib/api/request-signature';

export interface RequestToSign {
  method: string;
  /** With its port, as the Host header has it. */
  host: string;
  /** Percent-encoded, as it is sent. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  credentials: SigningCredentials;
  service?: string;
  region?: string;
  signingDate?: Date;
}

/** A signer for `service` with the request's credentials, as the AWS SDKs set one up for it. */
function signerFor(request: Omit<RequestToSign, 'body'>, service: string): SignatureV4 {
  return new SignatureV4({
    credentials: request.credentials,
    region: request.region ?? 'us-east-1',
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
}

/** The HTTP request to sign: to the request's host, with its Host header. */
function httpRequest(request: RequestToSign) {
  const [hostname, port] = request.host.split(':');
  return {
    method: request.method,
    protocol: 'http:',
    hostname: hostname!,
    port: port ? Number(port) : undefined,
    path: request.path,
    query: request.query ?? {},
    headers: { host: request.host, ...request.headers },
    body: request.body,
  };
}

/** The headers of a request signed as the AWS SDKs sign it: only S3 requests carry their payload hash in a header. */
export async function sigV4Headers(request: RequestToSign): Promise<Record<string, string>> {
  const signed = await signerFor(request, request.service ?? 's3').sign(httpRequest(request), { signingDate: request.signingDate ?? new Date() });
  return Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** A presigned URL's query string, as `getSignedUrl` makes it. */
export async function presignedQuery(request: Omit<RequestToSign, 'body'>): Promise<string> {
  const presigned = await signerFor(request, 's3').presign(
    httpRequest({ host: request.host, method: request.method, path: request.path, credentials: request.credentials }),
    {
      expiresIn: 3600,
    },
  );
  return Object.entries(presigned.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&');
}
