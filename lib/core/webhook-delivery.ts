import { z } from 'zod';
import type { HostFamily } from './connection-hosts';
import { BadInputError } from './errors';
import type { GitEvent } from './trigger-match';

/** What one webhook delivery, from any host, means for triggers. */
export type WebhookDelivery =
  | { kind: 'ping' }
  /** A push may move several refs at once: one event for each. */
  | { kind: 'git'; events: GitEvent[] }
  /** A well-formed delivery that can start nothing, and why. */
  | { kind: 'ignored'; reason: string };

/** The payload, checked against the fields Sluice reads; one that is not the host's is BadInput, naming the event. */
export function hostPayload<T>(host: HostFamily, schema: z.ZodType<T>, payload: unknown, eventName: string): T {
  const result = schema.safeParse(payload);
  if (!result.success) throw new BadInputError(`The ${eventName} payload is not ${host}'s: ${z.prettifyError(result.error).replace(/\n/g, ' ')}`);
  return result.data;
}

/** A pushed commit as GitHub and GitLab list it: the files it added, modified and removed. */
export const PushedCommitSchema = z.object({
  added: z.array(z.string()).optional(),
  modified: z.array(z.string()).optional(),
  removed: z.array(z.string()).optional(),
});

/** Every file the commits added, modified or removed, once each. */
export const filesOfCommits = (commits: z.infer<typeof PushedCommitSchema>[]): string[] => [
  ...new Set(commits.flatMap((commit) => [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])])),
];

/** The trigger detail of an execution a delivery started: the repository and commit, then the host's delivery. */
export function webhookTriggerDetail(host: HostFamily, repository: string, commit: string, deliveryId: string): string {
  return `${repository}@${commit} (${host} delivery ${deliveryId})`;
}

const WEBHOOK_TRIGGER_DETAIL = /^([^@\s]+)@(\S+) \((?:GitHub|Bitbucket|GitLab) delivery [^)]*\)$/;

/** The repository and commit that `webhookTriggerDetail` recorded; undefined for any other detail. */
export function webhookCommit(triggerDetail: string): { repository: string; sha: string } | undefined {
  const match = WEBHOOK_TRIGGER_DETAIL.exec(triggerDetail);
  return match ? { repository: match[1]!, sha: match[2]! } : undefined;
}
