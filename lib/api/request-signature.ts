import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** An access key pair that requests are signed with. */
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A request as it arrived, before its body is read. */
export interface ReceivedRequest {
  method: string;
  /** The path as sent, still percent-encoded. */
  path: string;
  /** The query string as sent, without its `?`; empty when there is none. */
  query: string;
  /** Header names in lower case, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  /**
   * The payload's SHA-256 in hex, or what the request declares in place of it
   * (`UNSIGNED-PAYLOAD`, `STREAMING-…`). S3 requests declare it in `x-amz-content-sha256`.
   */
  payloadHash: string;
}

export interface SignatureExpectations {
  credentials: SigningCredentials;
  /** The signing name of the service the request must be signed for: `s3`, `codepipeline`. */
  service: string;
  now: Date;
}

/** Why a request was refused; S3 and the other AWS protocols each name these in their own errors. */
export type SignatureRefusalReason =
  /** No Authorization header. */
  | 'unsigned'
  /** Query authentication: a presigned URL. */
  | 'presigned'
  /** The Authorization header, the date or the signed headers are not as SigV4 has them. */
  | 'malformed'
  /** Signed with another access key. */
  | 'unknown-key'
  /** Signed more than 15 minutes away from now. */
  | 'skewed'
  /** The signature is not the one the credentials give. */
  | 'mismatch';

export type SignatureVerdict = { accepted: true } | { accepted: false; reason: SignatureRefusalReason; message: string };

/** AWS refuses requests signed further than this from its own clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const ALGORITHM = 'AWS4-HMAC-SHA256';
const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
const PRESIGN_PARAMETERS = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-signature'];

const refuse = (reason: SignatureRefusalReason, message: string): SignatureVerdict => ({ accepted: false, reason, message });

/**
 * Verifies a request's SigV4 signature (the Authorization header, as the AWS CLI and SDKs send it)
 * by signing the same request again with `credentials` and comparing. Any region is accepted; the
 * service must be `service`. Every `x-amz-*` header must be signed, and `host` and `x-amz-date`
 * too. Presigned URLs are refused: they are bearer links that anything holding the URL can replay.
 *
 * The payload hash is taken as given: chunk signatures of `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`
 * bodies are not checked, nor is a body against its declared hash.
 *
 * @example
 * const verdict = await verifyRequestSignature(
 *   { method: 'PUT', path: '/bucket/key', query: '', headers: request.headers, payloadHash: request.headers['x-amz-content-sha256'] },
 *   { credentials, service: 's3', now: new Date() },
 * );
 * if (!verdict.accepted) return refuseWith403(verdict.message);
 */
export async function verifyRequestSignature(request: ReceivedRequest, expected: SignatureExpectations): Promise<SignatureVerdict> {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) {
    const presigned = request.query.split('&').some((pair) => PRESIGN_PARAMETERS.includes(pair.split('=')[0]!.toLowerCase()));
    return presigned
      ? refuse('presigned', 'Presigned URLs are not accepted here: sign the request in its Authorization header, as the AWS CLI and SDKs do.')
      : refuse('unsigned', "The request is not signed: sign it with SigV4 and this installation's credentials (`sluice credentials` prints them).");
  }
  const parsed = parseAuthorization(authorization);
  if (typeof parsed === 'string') return refuse('malformed', parsed);
  const { accessKeyId, scope, signedHeaders, signature } = parsed;
  if (accessKeyId !== expected.credentials.accessKeyId) {
    return refuse('unknown-key', `The access key ${accessKeyId} is not this installation's: sign with the credentials that \`sluice credentials\` prints.`);
  }
  if (scope.service !== expected.service) return refuse('malformed', `The request is signed for the service "${scope.service}", not "${expected.service}".`);

  const amzDate = headerValue(request.headers, 'x-amz-date');
  const signingDate = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (!signingDate) return refuse('malformed', 'The request has no valid x-amz-date header (YYYYMMDDTHHMMSSZ).');
  if (amzDate!.slice(0, 8) !== scope.date) return refuse('malformed', `The credential scope's date ${scope.date} is not the date of x-amz-date ${amzDate}.`);
  if (Math.abs(expected.now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return refuse(
      'skewed',
      `The request was signed at ${signingDate.toISOString()}, more than 15 minutes from this machine's time ${expected.now.toISOString()}.`,
    );
  }

  const mustSign = ['host', 'x-amz-date', ...Object.keys(request.headers).filter((name) => name.startsWith('x-amz-'))];
  const unsigned = mustSign.filter((name) => !signedHeaders.includes(name));
  if (unsigned.length > 0) return refuse('malformed', `These headers must be signed: ${unsigned.join(', ')}.`);
  const absent = signedHeaders.filter((name) => headerValue(request.headers, name) === undefined);
  if (absent.length > 0) return refuse('malformed', `These signed headers are missing from the request: ${absent.join(', ')}.`);
  const declaredHash = headerValue(request.headers, PAYLOAD_HASH_HEADER);
  if (declaredHash !== undefined && declaredHash !== request.payloadHash)
    return refuse('mismatch', `The request's ${PAYLOAD_HASH_HEADER} does not match its payload.`);

  const query = parseQuery(request.query);
  if (!query) return refuse('malformed', 'The query string has malformed percent-encoding.');
  const headers: Record<string, string> = { [PAYLOAD_HASH_HEADER]: request.payloadHash };
  for (const name of signedHeaders) headers[name] = headerValue(request.headers, name)!;
  const signer = new SignatureV4({
    credentials: expected.credentials,
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    // S3 signs the path as it is sent; the other services sign it normalized and encoded again.
    uriEscapePath: scope.service !== 's3',
    applyChecksum: false,
  });
  const resigned = await signer.sign(
    { method: request.method, protocol: 'http:', hostname: headers.host!, path: request.path, query, headers },
    {
      signingDate,
      signableHeaders: new Set(signedHeaders),
      // The payload hash takes part in the signature whether or not its header was signed.
      unsignableHeaders: signedHeaders.includes(PAYLOAD_HASH_HEADER) ? undefined : new Set([PAYLOAD_HASH_HEADER]),
    },
  );
  const computed = parseAuthorization(String(resigned.headers.authorization));
  if (typeof computed === 'string' || computed.signedHeaders.join(';') !== [...signedHeaders].sort().join(';')) {
    return refuse('malformed', 'The signed headers cannot be signed as listed.');
  }
  if (!timingSafeEqual(Buffer.from(computed.signature, 'hex'), Buffer.from(signature, 'hex'))) {
    return refuse(
      'mismatch',
      'The signature does not match: sign with the secret key that `sluice credentials` prints, and send the request as it was signed.',
    );
  }
  return { accepted: true };
}

interface ParsedAuthorization {
  accessKeyId: string;
  scope: { date: string; region: string; service: string };
  signedHeaders: string[];
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=a;b, Signature=<hex>`; or what is wrong with it. */
function parseAuthorization(authorization: string): ParsedAuthorization | string {
  const [algorithm, ...rest] = authorization.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) return `The Authorization header must use ${ALGORITHM}.`;
  const fields = new Map<string, string>();
  for (const part of rest.join('').split(',')) {
    const separator = part.indexOf('=');
    if (separator > 0) fields.set(part.slice(0, separator), part.slice(separator + 1));
  }
  const credential = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders')?.split(';');
  const signature = fields.get('Signature');
  if (!credential || credential.length !== 5 || credential[4] !== 'aws4_request' || !/^\d{8}$/.test(credential[1]!)) {
    return "The Authorization header's Credential must be <access key>/<yyyymmdd>/<region>/<service>/aws4_request.";
  }
  if (!signedHeaders || signedHeaders.some((name) => !/^[a-z0-9-]+$/.test(name)))
    return 'The Authorization header\'s SignedHeaders must list lower-case header names separated by ";".';
  if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return "The Authorization header's Signature must be 64 hex digits.";
  const [accessKeyId, date, region, service] = credential as [string, string, string, string];
  return { accessKeyId, scope: { date, region, service }, signedHeaders, signature };
}

/** `20261205T091500Z` as a date, or undefined. */
function parseAmzDate(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The query's names and values, percent-decoded (`+` stays `+`, as SigV4 has it); undefined when malformed. */
function parseQuery(query: string): Record<string, string | string[]> | undefined {
  const parameters: Record<string, string | string[]> = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(separator < 0 ? pair : pair.slice(0, separator));
      value = separator < 0 ? '' : decodeURIComponent(pair.slice(separator + 1));
    } catch {
      return undefined;
    }
    const existing = parameters[name];
    parameters[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return parameters;
}

function headerValue(headers: ReceivedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

type HashInput = string | ArrayBuffer | ArrayBufferView;

/** The hash that the signer computes with: SHA-256, or HMAC-SHA256 when given a key. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: HashInput) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', binary(secret));
  }
  update(data: HashInput): void {
    this.hash.update(binary(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function binary(data: HashInput): string | Uint8Array {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}
