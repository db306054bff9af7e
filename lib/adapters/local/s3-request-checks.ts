import type { IncomingMessage } from 'node:http';
import { verifyRequestSignature, type SignatureRefusalReason, type SigningCredentials } from '../../api/request-signature';

/** An answer in S3's own error shape. */
export interface S3Refusal {
  status: number;
  code: string;
  message: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const SIGNATURE_ERRORS: Record<SignatureRefusalReason, string> = {
  unsigned: 'AccessDenied',
  presigned: 'AccessDenied',
  malformed: 'AuthorizationHeaderMalformed',
  'unknown-key': 'InvalidAccessKeyId',
  skewed: 'RequestTimeTooSkewed',
  mismatch: 'SignatureDoesNotMatch',
};

/**
 * What the upload endpoint of the embedded S3 (a loopback TCP port, where anything on this
 * machine, a web page included, can send requests) refuses before it reads a body: requests that
 * come from a web page (an `Origin` header, a CORS preflight, a browser form upload), requests to
 * a name that is not loopback (DNS rebinding), and requests that are not signed with the
 * installation's credentials. Undefined when the request may go on.
 */
export async function refuseUpload(request: IncomingMessage, credentials: SigningCredentials, now: Date): Promise<S3Refusal | undefined> {
  const forbidden = (message: string): S3Refusal => ({ status: 403, code: 'AccessDenied', message });
  if (request.method === 'OPTIONS') return forbidden('CORS preflight requests are refused: the embedded S3 serves no web page.');
  if (request.headers.origin !== undefined) return forbidden('Requests from web pages (with an Origin header) are refused: upload with the AWS CLI or an SDK.');
  const host = (request.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
  if (!LOOPBACK_HOSTS.has(host)) return forbidden(`The Host "${request.headers.host ?? ''}" is not a loopback name: use 127.0.0.1, localhost or [::1].`);
  if (request.method === 'POST' && /^multipart\/form-data\b/i.test(request.headers['content-type'] ?? '')) {
    return forbidden('Browser form uploads (POST Object) are refused: upload with a signed PUT, as the AWS CLI and SDKs do.');
  }
  const [path = '', query = ''] = splitUrl(request.url ?? '/');
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (typeof payloadHash !== 'string' && request.headers.authorization !== undefined) {
    return { status: 400, code: 'InvalidRequest', message: 'The request has no x-amz-content-sha256 header; S3 requests declare their payload hash in it.' };
  }
  const verdict = await verifyRequestSignature(
    { method: request.method ?? 'GET', path, query, headers: request.headers, payloadHash: typeof payloadHash === 'string' ? payloadHash : '' },
    { credentials, service: 's3', now },
  );
  if (verdict.accepted) return undefined;
  return { status: verdict.reason === 'malformed' ? 400 : 403, code: SIGNATURE_ERRORS[verdict.reason], message: verdict.message };
}

/**
 * Refuses a request whose bucket, key, copy source or upload id could name a file outside the
 * embedded S3's directory once decoded: `.` or `..` segments, backslashes, NUL. Every request
 * to the embedded S3 passes this, Sluice's own included.
 */
export function refuseUnsafeObjectPath(request: IncomingMessage): S3Refusal | undefined {
  const [path = '', query = ''] = splitUrl(request.url ?? '/');
  const invalid = (message: string): S3Refusal => ({ status: 400, code: 'InvalidArgument', message });
  const segments = decodeSegments(path.replace(/^\//, ''));
  if (!segments) return { status: 400, code: 'InvalidURI', message: 'The path has malformed percent-encoding.' };
  const unsafe = unsafeName(segments.join('/'));
  if (unsafe) return invalid(`The bucket or object key ${unsafe}.`);
  const copySource = request.headers['x-amz-copy-source'];
  if (typeof copySource === 'string') {
    const source = decodeSegments(copySource.split('?')[0]!.replace(/^\//, ''));
    if (!source) return { status: 400, code: 'InvalidArgument', message: 'x-amz-copy-source has malformed percent-encoding.' };
    const unsafeSource = unsafeName(source.join('/'));
    if (unsafeSource) return invalid(`x-amz-copy-source ${unsafeSource}.`);
  }
  const uploadId = new URLSearchParams(query).get('uploadId');
  if (uploadId !== null && !/^[0-9a-f]+$/.test(uploadId)) return invalid('The uploadId is not one that this S3 gave out.');
  return undefined;
}

/** What is wrong with a decoded bucket/key path, or undefined. */
function unsafeName(name: string): string | undefined {
  if (name.includes('\\')) return 'contains a backslash';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name.split('/').some((segment) => segment === '.' || segment === '..')) return 'has a "." or ".." segment';
  return undefined;
}

function decodeSegments(path: string): string[] | undefined {
  try {
    return path.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function splitUrl(url: string): [string, string] {
  const mark = url.indexOf('?');
  return mark < 0 ? [url, ''] : [url.slice(0, mark), url.slice(mark + 1)];
}
