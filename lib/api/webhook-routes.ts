import { createHmac } from 'node:crypto';
import { BadInputError, BodyTooLargeError, MethodNotAllowedError, NotFoundError, UnauthorizedError, type SluiceError } from '../core/errors';
import { handleGitHubDelivery, type GitHubWebhookDependencies } from '../execution/github-webhook';
import { sameSecret } from '../core/same-secret';
import type { HttpRequest, HttpResponse } from './http-types';
import { jsonResponse as json } from './json-api';

/** GitHub caps a delivery's payload at 25 MB; anything larger is not GitHub's. */
export const WEBHOOK_MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface WebhookRouteDependencies extends GitHubWebhookDependencies {
  /** Read for each delivery, so that a rotated secret applies at once. */
  webhookSecret(): Promise<string>;
  /** The command that prints the secret, for the answer to a wrong signature; `sluice webhook-secret` unless given. */
  secretCommand?: string;
}

const GITHUB_PATH = '/webhooks/github';
/** The form GitHub gives `X-Hub-Signature-256`: the hex HMAC-SHA256 of the body. */
const SIGNATURE_FORM = /^sha256=[0-9a-f]{64}$/;
/** GitHub's delivery ids are GUIDs; a longer one is not GitHub's, and would not fit a DynamoDB key. */
const MAX_DELIVERY_ID_LENGTH = 128;

const tooLarge = () => new BodyTooLargeError(WEBHOOK_MAX_BODY_BYTES, 'the most GitHub sends');

const unsigned = (deps: Pick<WebhookRouteDependencies, 'secretCommand'>, what: string) =>
  new UnauthorizedError(`X-Hub-Signature-256 ${what}; ${deps.secretCommand ?? 'sluice webhook-secret'} prints the secret to give GitHub.`);

/**
 * What a delivery to `/webhooks/...` is refused for from its request line and headers alone, so
 * that a server can answer before it reads the body: another path or method, a body larger than
 * GitHub sends, a signature header that is missing or not in GitHub's form, or no delivery id.
 */
export function refuseWebhookBeforeBody(
  deps: Pick<WebhookRouteDependencies, 'secretCommand'>,
  request: Pick<HttpRequest, 'method' | 'path' | 'headers'>,
): SluiceError | undefined {
  if (request.path !== GITHUB_PATH) return new NotFoundError(`No webhook at ${request.path}; GitHub's is ${GITHUB_PATH}.`);
  if (request.method !== 'POST') return new MethodNotAllowedError(GITHUB_PATH, ['POST']);
  if (Number(request.headers['content-length'] ?? 0) > WEBHOOK_MAX_BODY_BYTES) return tooLarge();
  const signature = request.headers['x-hub-signature-256'];
  if (signature === undefined) return unsigned(deps, 'is missing');
  if (!SIGNATURE_FORM.test(signature)) return unsigned(deps, "is not in GitHub's form, sha256= and 64 hex digits");
  const id = request.headers['x-github-delivery'];
  if (!id) return new BadInputError('X-GitHub-Delivery is missing.');
  if (id.length > MAX_DELIVERY_ID_LENGTH)
    return new BadInputError(`X-GitHub-Delivery is longer than ${MAX_DELIVERY_ID_LENGTH} characters; GitHub's are GUIDs.`);
  return undefined;
}

/**
 * Whether GitHub signed exactly this body with the secret. The HMAC reads the text as UTF-8 as it
 * goes, the bytes GitHub signed: encoding it whole first, as octokit's `verify` does, would hold a
 * forged 25 MB delivery in memory once more.
 */
async function signedByGitHub(deps: WebhookRouteDependencies, body: string, signature: string | undefined): Promise<boolean> {
  return (
    body.length > 0 &&
    sameSecret(
      signature,
      `sha256=${createHmac('sha256', await deps.webhookSecret())
        .update(body, 'utf8')
        .digest('hex')}`,
    )
  );
}

/**
 * `POST /webhooks/github`: the head is checked as `refuseWebhookBeforeBody` does, then size, then
 * signature, then JSON, before anything is recorded, so a delivery refused with 4xx leaves
 * nothing behind.
 */
export async function handleWebhookRequest(deps: WebhookRouteDependencies, request: HttpRequest): Promise<HttpResponse> {
  const refusal = refuseWebhookBeforeBody(deps, request);
  if (refusal) throw refusal;
  if (Buffer.byteLength(request.body, 'utf8') > WEBHOOK_MAX_BODY_BYTES) throw tooLarge();
  if (!(await signedByGitHub(deps, request.body, request.headers['x-hub-signature-256']))) throw unsigned(deps, 'does not match the body');
  let payload: unknown;
  try {
    payload = JSON.parse(request.body);
  } catch {
    throw new BadInputError("The body is not JSON; set the webhook's content type to application/json.");
  }
  const id = request.headers['x-github-delivery']!;
  const outcome = await handleGitHubDelivery(deps, { id, event: request.headers['x-github-event'] ?? '', payload });
  switch (outcome.kind) {
    case 'ping':
      return json(200, { delivery: id, message: 'pong' });
    case 'ignored':
      return json(202, { delivery: id, message: 'ignored', reason: outcome.reason });
    case 'duplicate':
      return json(200, { delivery: id, message: 'duplicate' });
    case 'matched':
      return json(202, { delivery: id, started: outcome.started, skipped: outcome.skipped });
  }
}
