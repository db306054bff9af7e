import { z } from 'zod';
import type { GitEvent, PullRequestAction } from './trigger-match';
import { hostPayload, type WebhookDelivery } from './webhook-delivery';

/**
 * Bitbucket Cloud webhook payloads (`X-Event-Key`: repo:push, pullrequest:created, :updated,
 * :fulfilled, :rejected) as the git events that triggers match. Only the fields Sluice reads are
 * checked; Bitbucket sends many more.
 *
 * Changed files: neither payload lists them. A push names the commit each ref was at before and
 * after it, and a pull request its id: the host's diffstat tells them when a filePaths filter
 * needs them. A push that creates a ref has no commit before it, so its files stay unknown.
 */

const RepositorySchema = z.object({
  /** workspace/slug. */
  full_name: z.string(),
  links: z.object({ html: z.object({ href: z.string() }).optional() }).optional(),
});

const RefStateSchema = z
  .object({
    type: z.string(),
    name: z.string(),
    target: z.object({ hash: z.string() }),
  })
  .nullable();

const PushSchema = z.object({
  repository: RepositorySchema,
  push: z.object({
    changes: z.array(z.object({ new: RefStateSchema, old: RefStateSchema })),
  }),
});

const PullRequestSchema = z.object({
  repository: RepositorySchema,
  pullrequest: z.object({
    id: z.number().int().positive(),
    source: z.object({ branch: z.object({ name: z.string() }), commit: z.object({ hash: z.string() }) }),
    destination: z.object({ branch: z.object({ name: z.string() }) }),
  }),
});

/** Bitbucket's pull request events that CodePipeline's OPEN, UPDATED and CLOSED stand for. */
const PULL_REQUEST_EVENTS = new Map<string, PullRequestAction>([
  ['pullrequest:created', 'OPEN'],
  ['pullrequest:updated', 'UPDATED'],
  // Merged and declined alike close the pull request.
  ['pullrequest:fulfilled', 'CLOSED'],
  ['pullrequest:rejected', 'CLOSED'],
]);

const repositoryOf = (repository: z.infer<typeof RepositorySchema>) => ({
  repository: repository.full_name,
  repositoryUrls: repository.links?.html ? [repository.links.html.href] : [],
});

function pushDelivery(payload: unknown): WebhookDelivery {
  const { repository, push } = hostPayload('Bitbucket', PushSchema, payload, 'repo:push');
  const events: GitEvent[] = [];
  const ignored: string[] = [];
  for (const change of push.changes) {
    if (!change.new) {
      ignored.push(`the push deletes ${change.old?.type ?? 'ref'} ${change.old?.name ?? '(unnamed)'}`);
      continue;
    }
    const { type, name, target } = change.new;
    if (type !== 'branch' && type !== 'tag') {
      ignored.push(`${type} ${name} is neither a branch nor a tag`);
      continue;
    }
    events.push({
      kind: 'push',
      ...repositoryOf(repository),
      ...(type === 'branch' ? { branch: name } : { tag: name }),
      commit: target.hash,
      changedFiles: undefined,
      ...(change.old ? { before: change.old.target.hash } : {}),
    });
  }
  if (events.length === 0) return { kind: 'ignored', reason: ignored.join('; ') || 'the push changes no ref' };
  return { kind: 'git', events };
}

function pullRequestDelivery(eventKey: string, action: PullRequestAction, payload: unknown): WebhookDelivery {
  const { repository, pullrequest } = hostPayload('Bitbucket', PullRequestSchema, payload, eventKey);
  return {
    kind: 'git',
    events: [
      {
        kind: 'pullRequest',
        ...repositoryOf(repository),
        action,
        number: pullrequest.id,
        sourceBranch: pullrequest.source.branch.name,
        destinationBranch: pullrequest.destination.branch.name,
        // CodePipeline builds a pull request from its source branch.
        commit: pullrequest.source.commit.hash,
        changedFiles: undefined,
      },
    ],
  };
}

/** What a delivery with `X-Event-Key` `eventKey` means for triggers; a payload that is not Bitbucket's is BadInput. */
export function bitbucketDelivery(eventKey: string, payload: unknown): WebhookDelivery {
  if (eventKey === 'repo:push') return pushDelivery(payload);
  const action = PULL_REQUEST_EVENTS.get(eventKey);
  if (action) return pullRequestDelivery(eventKey, action, payload);
  return {
    kind: 'ignored',
    reason: `event ${eventKey || '(none)'} starts no pipeline; repo:push and pullrequest:created, :updated, :fulfilled and :rejected do`,
  };
}
