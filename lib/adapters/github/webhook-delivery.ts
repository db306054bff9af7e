import { randomUUID } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';

/** One webhook delivery, as GitHub sends it. */
export interface GitHubDelivery {
  /** X-GitHub-Event: push, ping, … */
  event: string;
  /** The JSON payload, as signed. */
  body: string;
  /** The webhook's secret, which X-Hub-Signature-256 signs the body with. */
  secret: string;
  signal?: AbortSignal;
}

/** POSTs a delivery to a webhook endpoint as GitHub does: JSON, under a delivery id of its own, signed. */
export async function postGitHubDelivery(url: string | URL, { event, body, secret, signal }: GitHubDelivery): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': await sign(secret, body),
    },
    body,
    signal,
  });
}
