import { createHash } from 'node:crypto';
import { BadInputError, ForbiddenError, InternalError, type SluiceError } from '../../core/errors';
import { parseJsonWithinLimits, REQUEST_BODY_LIMITS } from '../../core/text-limits';
import type { HttpRequest, HttpResponse } from '../http-types';
import { verifyRequestSignature, type SignatureRefusalReason, type SigningCredentials } from '../request-signature';

/** CodePipeline's JSON 1.1 protocol: the content type of its requests and answers, and the prefix of `X-Amz-Target`. */
export const CODEPIPELINE_CONTENT_TYPE = 'application/x-amz-json-1.1';
export const CODEPIPELINE_TARGET_PREFIX = 'CodePipeline_20150709.';
/** The name requests are signed for (SigV4's service). */
export const CODEPIPELINE_SIGNING_NAME = 'codepipeline';

/** The codes AWS's JSON services answer a refused signature with. */
const SIGNATURE_REFUSAL_CODES: Record<SignatureRefusalReason, string> = {
  unsigned: 'MissingAuthenticationTokenException',
  presigned: 'MissingAuthenticationTokenException',
  malformed: 'IncompleteSignatureException',
  'unknown-key': 'UnrecognizedClientException',
  skewed: 'InvalidSignatureException',
  mismatch: 'InvalidSignatureException',
};

/** One call of CodePipeline's protocol: the operation its target names, and its input. */
export interface CodePipelineCall {
  operation: string;
  input: Record<string, unknown>;
}

/**
 * Checks that a request to `POST /` is signed with the installation's credentials: for any region,
 * for the service `codepipeline`, over the body as it was read.
 */
export async function verifyCodePipelineSignature(request: HttpRequest, credentials: SigningCredentials, now: Date): Promise<void> {
  const verdict = await verifyRequestSignature(
    {
      method: request.method,
      path: request.path,
      query: new URLSearchParams(Object.entries(request.query).filter((entry): entry is [string, string] => entry[1] !== undefined)).toString(),
      headers: request.headers,
      payloadHash: createHash('sha256').update(request.body, 'utf8').digest('hex'),
    },
    { credentials, service: CODEPIPELINE_SIGNING_NAME, now },
  );
  if (!verdict.accepted) throw new ForbiddenError(verdict.message, { code: SIGNATURE_REFUSAL_CODES[verdict.reason] });
}

/** The operation and input of a signed request; refused as CodePipeline refuses what it cannot read. */
export function codePipelineCall(request: HttpRequest): CodePipelineCall {
  const target = request.headers['x-amz-target'] ?? '';
  if (!target.startsWith(CODEPIPELINE_TARGET_PREFIX)) {
    throw new BadInputError(`X-Amz-Target must be ${CODEPIPELINE_TARGET_PREFIX}<Operation>, not "${target}".`, { code: 'UnknownOperationException' });
  }
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (contentType !== CODEPIPELINE_CONTENT_TYPE) {
    throw new BadInputError(`Content-Type must be ${CODEPIPELINE_CONTENT_TYPE}, not "${contentType}".`, { code: 'SerializationException' });
  }
  const parsed = request.body.trim() === '' ? { ok: true as const, value: {} } : parseJsonWithinLimits(request.body, REQUEST_BODY_LIMITS);
  if (!parsed.ok) throw new BadInputError(`The body must be JSON within Sluice's limits: ${parsed.errors[0]}.`, { code: 'SerializationException' });
  if (typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) {
    throw new BadInputError('The body must be a JSON object, the input of the operation.', { code: 'SerializationException' });
  }
  return { operation: target.slice(CODEPIPELINE_TARGET_PREFIX.length), input: parsed.value as Record<string, unknown> };
}

/** JSON 1.1's timestamps are epoch seconds: every Date in an output becomes a number. */
const epochSeconds = (_key: string, value: unknown): unknown => (value instanceof Date ? value.getTime() / 1000 : value);

function protocolResponse(status: number, body: unknown, requestId: string): HttpResponse {
  return {
    status,
    headers: { 'content-type': CODEPIPELINE_CONTENT_TYPE, 'x-amzn-requestid': requestId, 'cache-control': 'no-store' },
    body: JSON.stringify(body, function (key) {
      // The replacer sees a Date already turned into its ISO text by toJSON; the holder still has the Date.
      return epochSeconds(key, (this as Record<string, unknown>)[key]);
    }),
  };
}

/** An operation's output, as JSON 1.1 answers it. */
export const codePipelineOutput = (output: unknown, requestId: string): HttpResponse => protocolResponse(200, output ?? {}, requestId);

/**
 * An error as AWS's JSON services answer it: `__type` and `message`, 403 for a refused
 * signature, 400 for another mistake of the caller's, and Sluice's own status for its failures. A
 * caller who did not prove who it is reads only the messages that may be shown to anyone.
 */
export function codePipelineError(error: SluiceError, shown: { authenticated: boolean; requestId: string }): HttpResponse {
  const visible = shown.authenticated || error.expose ? error : new InternalError(shown.requestId);
  const status = error.status >= 500 ? error.status : error.status === 401 || error.status === 403 ? 403 : 400;
  return protocolResponse(status, { __type: error.codePipelineCode, message: visible.message }, shown.requestId);
}
