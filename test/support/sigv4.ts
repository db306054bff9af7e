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

/** The headers of a request signed as the AWS SDKs sign it: only S3 requests carry their payload hash in a header. */
export async function sigV4Headers(request: RequestToSign): Promise<Record<string, string>> {
  const service = request.service ?? 's3';
  const signer = new SignatureV4({
    credentials: request.credentials,
    region: request.region ?? 'us-east-1',
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
    applyChecksum: service === 's3',
  });
  const [hostname, port] = request.host.split(':');
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: hostname!,
      port: port ? Number(port) : undefined,
      path: request.path,
      query: request.query ?? {},
      headers: { host: request.host, ...request.headers },
      body: request.body,
    },
    { signingDate: request.signingDate ?? new Date() },
  );
  return Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** A presigned URL's query string, as `getSignedUrl` makes it. */
export async function presignedQuery(request: Omit<RequestToSign, 'body'>): Promise<string> {
  const signer = new SignatureV4({
    credentials: request.credentials,
    region: request.region ?? 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
  });
  const [hostname, port] = request.host.split(':');
  const presigned = await signer.presign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: hostname!,
      port: port ? Number(port) : undefined,
      path: request.path,
      query: {},
      headers: { host: request.host },
    },
    { expiresIn: 3600 },
  );
  return Object.entries(presigned.query ?? {})
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join('&');
}
