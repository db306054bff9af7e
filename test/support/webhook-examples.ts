import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One of the hosts' example payloads in test/fixtures/webhooks (its README names their pages), as JSON. */
export const webhookExample = <T = Record<string, unknown>>(file: string): T =>
  JSON.parse(readFileSync(path.join(__dirname, '../fixtures/webhooks', file), 'utf8')) as T;

/** The headers Bitbucket Cloud sends with a delivery of `eventKey`, signed with `secret`, under a new request UUID. */
export const bitbucketHeaders = (eventKey: string, body: string, secret: string): Record<string, string> => ({
  'content-type': 'application/json',
  'x-event-key': eventKey,
  'x-request-uuid': randomUUID(),
  'x-hook-uuid': '{2b5a3a45-9c44-4b7e-9a1c-0e4c55a2f6a1}',
  'x-hub-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`,
});

/** The headers GitLab sends with a delivery of `event` (Push Hook, Merge Request Hook...), carrying `token`, under a new event UUID. */
export const gitLabHeaders = (event: string, token: string): Record<string, string> => ({
  'content-type': 'application/json',
  'x-gitlab-event': event,
  'x-gitlab-event-uuid': randomUUID(),
  'x-gitlab-token': token,
});
