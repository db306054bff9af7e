import { verify } from '@octokit/webhooks-methods';
import { BadInputError } from '../core/errors';
import { handleGitHubDelivery, type GitHubWebhookDependencies } from '../execution/github-webhook';
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

/** Whether GitHub signed exactly this body with the secret; the library compares in constant time. */
async function signedByGitHub(deps: WebhookRouteDependencies, request: HttpRequest): Promise<boolean> {
  const signature = request.headers['x-hub-signature-256'];
  return signature !== undefined && request.body !== '' && verify(await deps.webhookSecret(), request.body, signature);
}

/**
 * `POST /webhooks/github`: size, then signature, then JSON are checked before anything is
 * recorded, so a delivery refused with 413, 401 or 400 leaves nothing behind.
 */
export async function handleWebhookRequest(deps: WebhookRouteDependencies, request: HttpRequest): Promise<HttpResponse | undefined> {
  if (!request.path.startsWith('/webhooks/')) return undefined;
  if (request.path !== GITHUB_PATH) return json(404, { error: 'Sluice.NotFound', message: `No webhook at ${request.path}; GitHub's is ${GITHUB_PATH}.` });
  if (request.method !== 'POST') {
    const refused = json(405, { error: 'Sluice.MethodNotAllowed', message: `${GITHUB_PATH} takes POST.` });
    return { ...refused, headers: { ...refused.headers, allow: 'POST' } };
  }
  const declaredLength = Number(request.headers['content-length'] ?? 0);
  if (declaredLength > WEBHOOK_MAX_BODY_BYTES || Buffer.byteLength(request.body) > WEBHOOK_MAX_BODY_BYTES) {
    return json(413, { error: 'Sluice.BadInput', message: 'The body is larger than 25 MB, the most GitHub sends.' });
  }
  if (!(await signedByGitHub(deps, request))) {
    return json(401, { error: 'Sluice.Unauthorized', message: `X-Hub-Signature-256 is missing or does not match the body; ${deps.secretCommand ?? 'sluice webhook-secret'} prints the secret to give GitHub.` });
  }
  let payload: unknown;
  try {
    payload = JSON.parse(request.body);
  } catch {
    return json(400, { error: 'Sluice.BadInput', message: 'The body is not JSON; set the webhook\'s content type to application/json.' });
  }
  const id = request.headers['x-github-delivery'];
  if (!id) return json(400, { error: 'Sluice.BadInput', message: 'X-GitHub-Delivery is missing.' });
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
