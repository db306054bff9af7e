import { createHmac } from 'node:crypto';
import type { HostFamily } from '../core/connection-hosts';
import { BadInputError, BodyTooLargeError, MethodNotAllowedError, NotFoundError, UnauthorizedError, type SluiceError } from '../core/errors';
import { sameSecret } from '../core/same-secret';
import type { WebhookDelivery } from '../core/webhook-delivery';
import type { WebhookDeliveryDependencies } from '../execution/webhook-deliveries';
import type { HttpRequest, HttpResponse } from './http-types';
import { jsonResponse as json } from './json-api';

/** GitHub caps a delivery's payload at 25 MB; Bitbucket's and GitLab's are smaller. Anything larger is none of theirs. */
export const WEBHOOK_MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface WebhookRouteDependencies extends WebhookDeliveryDependencies {
  /** The secret of the host's webhook, read for each delivery, so that a rotated secret applies at once. */
  webhookSecret(host: HostFamily): Promise<string>;
  /** The command that prints the host's secret, for the answer to a wrong signature or token; `sluice webhook-secret` unless given. */
  secretCommand?: (host: HostFamily) => string;
}

type Headers = HttpRequest['headers'];

/**
 * How one host delivers: where, the header that proves the delivery (its form checked before the
 * body is read, its value against the body and secret after), the delivery's id and event, and
 * what its payload means.
 */
interface WebhookHost {
  family: HostFamily;
  path: string;
  proofHeader: string;
  /** The form the proof header must have, and how the refusal describes it. */
  proofForm: { pattern: RegExp; description: string };
  proven(body: string, proof: string, secret: string): boolean;
  /** The headers that may carry the delivery id, the first present one winning. */
  idHeaders: string[];
  eventHeader: string;
  /**
   * What its payloads mean, loaded with its schemas when a delivery's proof first passes: the
   * http function loads none of them to answer any other route.
   */
  meaning(): Promise<(event: string, payload: unknown) => WebhookDelivery>;
}

/** The form of a `sha256=` signature header: the hex HMAC-SHA256 of the body. */
const SHA256_SIGNATURE = { pattern: /^sha256=[0-9a-f]{64}$/, description: 'sha256= and 64 hex digits' };

/**
 * Whether `signature` is the HMAC-SHA256 of exactly this body with the secret. The HMAC reads the
 * text as UTF-8 as it goes, the bytes the host signed: encoding it whole first, as octokit's
 * `verify` does, would hold a forged 25 MB delivery in memory once more.
 */
const signedBody = (body: string, signature: string, secret: string) =>
  body.length > 0 && sameSecret(signature, `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`);

const WEBHOOK_HOSTS: WebhookHost[] = [
  {
    family: 'GitHub',
    path: '/webhooks/github',
    proofHeader: 'X-Hub-Signature-256',
    proofForm: SHA256_SIGNATURE,
    proven: signedBody,
    idHeaders: ['X-GitHub-Delivery'],
    eventHeader: 'X-GitHub-Event',
    meaning: async () => (await import('../core/github-event')).gitHubDelivery,
  },
  {
    family: 'Bitbucket',
    path: '/webhooks/bitbucket',
    proofHeader: 'X-Hub-Signature',
    proofForm: SHA256_SIGNATURE,
    proven: signedBody,
    idHeaders: ['X-Request-UUID'],
    eventHeader: 'X-Event-Key',
    meaning: async () => (await import('../core/bitbucket-event')).bitbucketDelivery,
  },
  {
    family: 'GitLab',
    path: '/webhooks/gitlab',
    proofHeader: 'X-Gitlab-Token',
    // GitLab keeps a secret token to 255 characters.
    proofForm: { pattern: /^.{1,255}$/, description: 'from 1 to 255 characters' },
    proven: (_, token, secret) => sameSecret(token, secret),
    // GitLab sends the same Idempotency-Key with each retry of one event (17.4 and later); earlier, the event's UUID.
    idHeaders: ['Idempotency-Key', 'X-Gitlab-Event-UUID'],
    eventHeader: 'X-Gitlab-Event',
    meaning: async () => (await import('../core/gitlab-event')).gitLabDelivery,
  },
];

/** The hosts' delivery ids are UUIDs; a longer one is none of theirs, and would not fit a DynamoDB key. */
const MAX_DELIVERY_ID_LENGTH = 128;

/** A header of the request by its name as the host spells it; the server gives header names in lower case. */
const header = (headers: Headers, name: string) => headers[name.toLowerCase()];

const tooLarge = () => new BodyTooLargeError(WEBHOOK_MAX_BODY_BYTES, 'the most a host sends');

const unproven = (deps: Pick<WebhookRouteDependencies, 'secretCommand'>, host: WebhookHost, what: string) => {
  const command = deps.secretCommand?.(host.family) ?? `sluice webhook-secret${host.family === 'GitHub' ? '' : ` --host ${host.family.toLowerCase()}`}`;
  return new UnauthorizedError(`${host.proofHeader} ${what}; ${command} prints the secret to give ${host.family}.`);
};

const deliveryId = (host: WebhookHost, headers: Headers) => host.idHeaders.map((name) => header(headers, name)).find((id) => id);

/**
 * What a delivery to `/webhooks/...` is refused for from its request line and headers alone, so
 * that a server can answer before it reads the body: another path or method, a body larger than
 * a host sends, a signature or token header that is missing or not in the host's form, or no
 * delivery id.
 */
export function refuseWebhookBeforeBody(
  deps: Pick<WebhookRouteDependencies, 'secretCommand'>,
  request: Pick<HttpRequest, 'method' | 'path' | 'headers'>,
): SluiceError | undefined {
  const host = WEBHOOK_HOSTS.find((candidate) => candidate.path === request.path);
  if (!host) return new NotFoundError(`No webhook at ${request.path}; the webhooks are ${WEBHOOK_HOSTS.map((candidate) => candidate.path).join(', ')}.`);
  if (request.method !== 'POST') return new MethodNotAllowedError(host.path, ['POST']);
  if (Number(request.headers['content-length'] ?? 0) > WEBHOOK_MAX_BODY_BYTES) return tooLarge();
  const proof = header(request.headers, host.proofHeader);
  if (proof === undefined) return unproven(deps, host, 'is missing');
  if (!host.proofForm.pattern.test(proof)) return unproven(deps, host, `is not in ${host.family}'s form, ${host.proofForm.description}`);
  const id = deliveryId(host, request.headers);
  const idNames = host.idHeaders.join(' or ');
  if (!id) return new BadInputError(`${idNames} is missing.`);
  if (id.length > MAX_DELIVERY_ID_LENGTH)
    return new BadInputError(`${idNames} is longer than ${MAX_DELIVERY_ID_LENGTH} characters; ${host.family}'s are UUIDs.`);
  return undefined;
}

/**
 * `POST /webhooks/github`, `/webhooks/bitbucket` and `/webhooks/gitlab`: the head is checked as
 * `refuseWebhookBeforeBody` does, then size, then signature or token, then JSON, before anything
 * is recorded, so a delivery refused with 4xx leaves nothing behind.
 */
export async function handleWebhookRequest(deps: WebhookRouteDependencies, request: HttpRequest): Promise<HttpResponse> {
  const refusal = refuseWebhookBeforeBody(deps, request);
  if (refusal) throw refusal;
  const host = WEBHOOK_HOSTS.find((candidate) => candidate.path === request.path)!;
  if (Buffer.byteLength(request.body, 'utf8') > WEBHOOK_MAX_BODY_BYTES) throw tooLarge();
  if (!host.proven(request.body, header(request.headers, host.proofHeader)!, await deps.webhookSecret(host.family)))
    throw unproven(deps, host, host.family === 'GitLab' ? 'is not the secret' : 'does not match the body');
  let payload: unknown;
  try {
    payload = JSON.parse(request.body);
  } catch {
    throw new BadInputError("The body is not JSON; set the webhook's content type to application/json.");
  }
  const id = deliveryId(host, request.headers)!;
  const [meaning, { handleHostDelivery }] = await Promise.all([host.meaning(), import('../execution/webhook-deliveries')]);
  const outcome = await handleHostDelivery(deps, { host: host.family, id, meaning: meaning(header(request.headers, host.eventHeader) ?? '', payload) });
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
