import { z } from 'zod';
import type { PullRequestAction } from './trigger-match';
import { filesOfCommits, hostPayload, PushedCommitSchema, type WebhookDelivery } from './webhook-delivery';

/**
 * GitHub webhook payloads (`X-GitHub-Event`: push, pull_request, ping) as the git events that
 * triggers match. Only the fields Sluice reads are checked; GitHub sends many more.
 *
 * Changed files: a push lists them per commit (added, modified, removed), so they are known,
 * unless the push carries GitHub's maximum of commits and some may be missing. A pull_request
 * payload lists none: its changed files are read from GitHub's API when a filePaths filter needs them.
 */

/** GitHub stops listing a push's commits here; a push that reaches it may have changed more. */
const MAX_LISTED_COMMITS = 2048;

const RepositorySchema = z.object({
  full_name: z.string(),
  clone_url: z.string().optional(),
  git_url: z.string().optional(),
  ssh_url: z.string().optional(),
  svn_url: z.string().optional(),
  html_url: z.string().optional(),
});

const PushSchema = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().optional(),
  repository: RepositorySchema,
  commits: z.array(PushedCommitSchema),
});

const PullRequestSchema = z.object({
  action: z.string(),
  repository: RepositorySchema,
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ ref: z.string(), sha: z.string() }),
    base: z.object({ ref: z.string() }),
  }),
});

/** GitHub's pull_request actions that CodePipeline's OPEN, UPDATED and CLOSED stand for. */
const PULL_REQUEST_ACTIONS = new Map<string, PullRequestAction>([
  ['opened', 'OPEN'],
  ['reopened', 'OPEN'],
  ['synchronize', 'UPDATED'],
  // GitHub sends closed for a merge and for closing unmerged alike; both are CLOSED here.
  ['closed', 'CLOSED'],
]);

function repositoryOf(repository: z.infer<typeof RepositorySchema>) {
  const { full_name, clone_url, git_url, ssh_url, svn_url, html_url } = repository;
  return { repository: full_name, repositoryUrls: [clone_url, git_url, ssh_url, svn_url, html_url].filter((url): url is string => url !== undefined) };
}

const parsed = <T>(schema: z.ZodType<T>, payload: unknown, eventName: string): T => hostPayload('GitHub', schema, payload, eventName);

function pushDelivery(payload: unknown): WebhookDelivery {
  const push = parsed(PushSchema, payload, 'push');
  if (push.deleted) return { kind: 'ignored', reason: `the push deletes ${push.ref}` };
  const ref = /^refs\/(heads|tags)\/(.+)$/.exec(push.ref);
  if (!ref) return { kind: 'ignored', reason: `${push.ref} is neither a branch nor a tag` };
  const changedFiles = push.commits.length >= MAX_LISTED_COMMITS ? undefined : filesOfCommits(push.commits);
  return {
    kind: 'git',
    events: [
      {
        kind: 'push',
        ...repositoryOf(push.repository),
        ...(ref[1] === 'heads' ? { branch: ref[2]! } : { tag: ref[2]! }),
        commit: push.after,
        changedFiles,
      },
    ],
  };
}

function pullRequestDelivery(payload: unknown): WebhookDelivery {
  const { action, repository, pull_request: pullRequest } = parsed(PullRequestSchema, payload, 'pull_request');
  const mapped = PULL_REQUEST_ACTIONS.get(action);
  if (!mapped) return { kind: 'ignored', reason: `pull request action ${action} starts no pipeline; opened, reopened, synchronize and closed do` };
  return {
    kind: 'git',
    events: [
      {
        kind: 'pullRequest',
        ...repositoryOf(repository),
        action: mapped,
        number: pullRequest.number,
        sourceBranch: pullRequest.head.ref,
        destinationBranch: pullRequest.base.ref,
        // CodePipeline builds a pull request from its source branch.
        commit: pullRequest.head.sha,
        changedFiles: undefined,
      },
    ],
  };
}

/** What a delivery of `eventName` means for triggers; a payload that is not GitHub's is BadInput. */
export function gitHubDelivery(eventName: string, payload: unknown): WebhookDelivery {
  switch (eventName) {
    case 'ping':
      return { kind: 'ping' };
    case 'push':
      return pushDelivery(payload);
    case 'pull_request':
      return pullRequestDelivery(payload);
    default:
      return { kind: 'ignored', reason: `event ${eventName || '(none)'} starts no pipeline` };
  }
}
