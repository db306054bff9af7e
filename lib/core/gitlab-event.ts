import { z } from 'zod';
import type { PullRequestAction } from './trigger-match';
import { filesOfCommits, hostPayload, PushedCommitSchema, type WebhookDelivery } from './webhook-delivery';

/**
 * GitLab webhook payloads (`X-Gitlab-Event`: Push Hook, Tag Push Hook, Merge Request Hook) as the
 * git events that triggers match. Only the fields Sluice reads are checked; GitLab sends many more.
 *
 * Changed files: a push lists them per commit for its first 20 commits. A push of more names the
 * commit before it, and GitLab's compare API tells the rest when a filePaths filter needs them. A
 * merge request lists none: its diffs are read from GitLab's API.
 */

/** GitLab's all-zero sha: the `before` of a push that creates a ref, the `after` of one that deletes it. */
const NO_COMMIT = /^0+$/;

const ProjectSchema = z.object({
  /** group/name, or group/subgroup/name. */
  path_with_namespace: z.string(),
  web_url: z.string().optional(),
  git_http_url: z.string().optional(),
  git_ssh_url: z.string().optional(),
});

const PushSchema = z.object({
  ref: z.string(),
  before: z.string(),
  after: z.string(),
  project: ProjectSchema,
  commits: z.array(PushedCommitSchema),
  total_commits_count: z.number().int().nonnegative(),
});

const MergeRequestSchema = z.object({
  project: ProjectSchema,
  object_attributes: z.object({
    iid: z.number().int().positive(),
    action: z.string().optional(),
    source_branch: z.string(),
    target_branch: z.string(),
    last_commit: z.object({ id: z.string() }),
    /** Present on an update only when it pushed commits to the source branch. */
    oldrev: z.string().optional(),
  }),
});

/** GitLab's merge request actions that CodePipeline's OPEN and CLOSED stand for; `update` is UPDATED when it pushed commits. */
const MERGE_REQUEST_ACTIONS = new Map<string, PullRequestAction>([
  ['open', 'OPEN'],
  ['reopen', 'OPEN'],
  ['close', 'CLOSED'],
  ['merge', 'CLOSED'],
]);

const repositoryOf = ({ path_with_namespace, web_url, git_http_url, git_ssh_url }: z.infer<typeof ProjectSchema>) => ({
  repository: path_with_namespace,
  repositoryUrls: [git_http_url, git_ssh_url, web_url].filter((url): url is string => url !== undefined),
});

function pushDelivery(eventName: string, payload: unknown): WebhookDelivery {
  const push = hostPayload('GitLab', PushSchema, payload, eventName);
  if (NO_COMMIT.test(push.after)) return { kind: 'ignored', reason: `the push deletes ${push.ref}` };
  const ref = /^refs\/(heads|tags)\/(.+)$/.exec(push.ref);
  if (!ref) return { kind: 'ignored', reason: `${push.ref} is neither a branch nor a tag` };
  const listed = push.commits.length >= push.total_commits_count;
  const before = !listed && !NO_COMMIT.test(push.before) ? push.before : undefined;
  return {
    kind: 'git',
    events: [
      {
        kind: 'push',
        ...repositoryOf(push.project),
        ...(ref[1] === 'heads' ? { branch: ref[2]! } : { tag: ref[2]! }),
        commit: push.after,
        changedFiles: listed ? filesOfCommits(push.commits) : undefined,
        ...(before ? { before } : {}),
      },
    ],
  };
}

function mergeRequestDelivery(payload: unknown): WebhookDelivery {
  const { project, object_attributes: mergeRequest } = hostPayload('GitLab', MergeRequestSchema, payload, 'Merge Request Hook');
  const action = mergeRequest.action ?? '(none)';
  const mapped = action === 'update' ? (mergeRequest.oldrev ? 'UPDATED' : undefined) : MERGE_REQUEST_ACTIONS.get(action);
  if (!mapped) {
    return {
      kind: 'ignored',
      reason:
        action === 'update'
          ? 'the merge request update pushed no commits'
          : `merge request action ${action} starts no pipeline; open, reopen, update with commits, close and merge do`,
    };
  }
  return {
    kind: 'git',
    events: [
      {
        kind: 'pullRequest',
        ...repositoryOf(project),
        action: mapped,
        number: mergeRequest.iid,
        sourceBranch: mergeRequest.source_branch,
        destinationBranch: mergeRequest.target_branch,
        // CodePipeline builds a pull request from its source branch.
        commit: mergeRequest.last_commit.id,
        changedFiles: undefined,
      },
    ],
  };
}

/** What a delivery with `X-Gitlab-Event` `eventName` means for triggers; a payload that is not GitLab's is BadInput. */
export function gitLabDelivery(eventName: string, payload: unknown): WebhookDelivery {
  switch (eventName) {
    case 'Push Hook':
    case 'Tag Push Hook':
      return pushDelivery(eventName, payload);
    case 'Merge Request Hook':
      return mergeRequestDelivery(payload);
    default:
      return { kind: 'ignored', reason: `event ${eventName || '(none)'} starts no pipeline; Push Hook, Tag Push Hook and Merge Request Hook do` };
  }
}
