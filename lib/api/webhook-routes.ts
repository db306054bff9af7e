import { createHmac } from 'node:crypto';
import { BadInputError } from '../core/errors';
import { handleGitHubDelivery, type GitHubWebhookDependencies } from '../execution/github-webhook';
import { sameSecret } from '../execution/same-secret';
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

const tooLarge = () => json(413, { error: 'Sluice.BadInput', message: 'The body is larger than 25 MB, the most GitHub sends.' });

const unsigned = (deps: Pick<WebhookRouteDependencies, 'secretCommand'>, what: string) =>
  json(401, { error: 'Sluice.Unauthorized', message: `X-Hub-Signature-256 ${what}; ${deps.secretCommand ?? 'sluice webhook-secret'} prints the secret to give GitHub.` });

/**
 * What a delivery to `/webhooks/...` is refused for from its request line and headers alone, so
 * that a server can answer before it reads the body: another path or method, a body larger than
 * GitHub sends, a signature header that is missing or not in GitHub's form, or no delivery id.
 */
export function refuseWebhookBeforeBody(
  deps: Pick<WebhookRouteDependencies, 'secretCommand'>,
  request: Omit<HttpRequest, 'body'>,
): HttpResponse | undefined {
  if (request.path !== GITHUB_PATH) return json(404, { error: 'Sluice.NotFound', message: `No webhook at ${request.path}; GitHub's is ${GITHUB_PATH}.` });
  if (request.method !== 'POST') {
    const refused = json(405, { error: 'Sluice.MethodNotAllowed', message: `${GITHUB_PATH} takes POST.` });
    return { ...refused, headers: { ...refused.headers, allow: 'POST' } };
  }
  if (Number(request.headers['content-length'] ?? 0) > WEBHOOK_MAX_BODY_BYTES) return tooLarge();
  const signature = request.headers['x-hub-signature-256'];
  if (signature === undefined) return unsigned(deps, 'is missing');
  if (!SIGNATURE_FORM.test(signature)) return unsigned(deps, 'is not in GitHub\'s form, sha256= and 64 hex digits');
  const id = request.headers['x-github-delivery'];
  if (!id) return json(400, { error: 'Sluice.BadInput', message: 'X-GitHub-Delivery is missing.' });
  if (id.length > MAX_DELIVERY_ID_LENGTH) return json(400, { error: 'Sluice.BadInput', message: `X-GitHub-Delivery is longer than ${MAX_DELIVERY_ID_LENGTH} characters; GitHub's are GUIDs.` });
  return undefined;
}

/**
 * Whether GitHub signed exactly these bytes with the secret. The HMAC is taken over the bytes as
 * they came: octokit's `verify` takes the body as a string, and a body held as bytes, as text and
 * as the text encoded again for the HMAC, all at once, would triple what a forged 25 MB delivery
 * costs in memory.
 */
async function signedByGitHub(deps: WebhookRouteDependencies, body: Buffer, signature: string | undefined): Promise<boolean> {
  return body.length > 0 && sameSecret(signature, `sha256=${createHmac('sha256', await deps.webhookSecret()).update(body).digest('hex')}`);
}

/**
 * A delivery's body, once its headers have passed `refuseWebhookBeforeBody`: size, then
 * signature, then JSON are checked before anything is recorded, so a delivery refused with 4xx
 * leaves nothing behind. The body becomes text only once it is known to be GitHub's.
 */
export async function handleWebhookBody(deps: WebhookRouteDependencies, request: Omit<HttpRequest, 'body'>, body: Buffer): Promise<HttpResponse> {
  if (body.length > WEBHOOK_MAX_BODY_BYTES) return tooLarge();
  if (!(await signedByGitHub(deps, body, request.headers['x-hub-signature-256']))) return unsigned(deps, 'does not match the body');
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return json(400, { error: 'Sluice.BadInput', message: 'The body is not JSON; set the webhook\'s content type to application/json.' });
  }
  const id = request.headers['x-github-delivery']!;
  try {
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
  } catch (error) {
    if (error instanceof BadInputError) return json(400, { error: error.name, message: error.message });
    throw error;
  }
}

/** `POST /webhooks/github`, with the body already read, as API Gateway gives it. */
export async function handleWebhookRequest(deps: WebhookRouteDependencies, request: HttpRequest): Promise<HttpResponse | undefined> {
  if (!request.path.startsWith('/webhooks/')) return undefined;
  return refuseWebhookBeforeBody(deps, request) ?? handleWebhookBody(deps, request, Buffer.from(request.body, 'utf8'));
}
