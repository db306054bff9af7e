import picomatch from 'picomatch';
import type { ActionDeclaration, PipelineDeclaration, TriggerDeclaration } from './declaration';
import { providerKey } from './declaration-fields';

/**
 * Whether a git event starts a pipeline, with CodePipeline V2's trigger semantics:
 * - a pipeline with `triggers` starts only through them; any one trigger may start it;
 * - a trigger's event must come from the repository of its `sourceActionName` action;
 * - within a trigger, any of its push (or pullRequest) filters may match; within a filter, every
 *   criterion given must match; within a criterion, excludes win over includes;
 * - a trigger without push or pullRequest filters, and a pipeline without triggers, start on a
 *   push to the branch of the source action (`BranchName`), unless `DetectChanges` is "false".
 */

interface GitEventBase {
  /** `owner/name`. */
  repository: string;
  /** Every URL the repository is known by (https, git, ssh, web; file:// for a local one). */
  repositoryUrls: string[];
  /** The commit an execution pins its source to. */
  commit: string;
  /** The paths the event changed; undefined when the event does not say (a pull request's, until they are read). */
  changedFiles: string[] | undefined;
  /** The event changed more files than `changedFiles` lists: a file that passes still matches, but none passing proves nothing. */
  changedFilesCut?: string;
}

export interface GitPushEvent extends GitEventBase {
  kind: 'push';
  /** The branch pushed to, or the tag pushed; one of the two. */
  branch?: string;
  tag?: string;
  /**
   * The commit the branch was at before the push, where the payload lists no changed files: they
   * are the files changed between it and `commit`, which the host can tell.
   */
  before?: string;
}

export type PullRequestAction = 'OPEN' | 'UPDATED' | 'CLOSED';

export interface GitPullRequestEvent extends GitEventBase {
  kind: 'pullRequest';
  number: number;
  action: PullRequestAction;
  sourceBranch: string;
  /** The branch the pull request merges into: the one `branches` filters match. */
  destinationBranch: string;
}

export type GitEvent = GitPushEvent | GitPullRequestEvent;

export interface TriggerDecision {
  start: boolean;
  /** The source action the execution pins to the event's commit. */
  sourceActionName?: string;
  /** Why it starts, or why not: reported for each pipeline a delivery skipped. */
  reason: string;
  /**
   * Whether the event comes from the repository of a source action the pipeline is triggered by:
   * a skipped pipeline concerns that repository's commit checks only then.
   */
  fromSourceRepository: boolean;
}

type FilterCriteria = { includes?: string[]; excludes?: string[] };
type PushFilter = NonNullable<TriggerDeclaration['gitConfiguration']['push']>[number];
type PullRequestFilter = NonNullable<TriggerDeclaration['gitConfiguration']['pullRequest']>[number];

const ALL_PULL_REQUEST_ACTIONS: readonly PullRequestAction[] = ['OPEN', 'UPDATED', 'CLOSED'];
/** `*` stays within one path segment and `**` crosses them; dot files are files like any other. */
const GLOB = { dot: true } as const;

/** Why `value` fails the criteria, or undefined when it passes. */
function criteriaMismatch(what: string, value: string, criteria: FilterCriteria): string | undefined {
  const excluded = criteria.excludes?.find((pattern) => picomatch.isMatch(value, pattern, GLOB));
  if (excluded !== undefined) return `${what} ${value} is excluded by "${excluded}"`;
  if (criteria.includes && !criteria.includes.some((pattern) => picomatch.isMatch(value, pattern, GLOB))) {
    return `${what} ${value} is not in includes (${criteria.includes.join(', ')})`;
  }
  return undefined;
}

/** A file filter matches when at least one changed file passes it. */
function filePathsMismatch(event: GitEvent, criteria: FilterCriteria): string | undefined {
  const { changedFiles, changedFilesCut } = event;
  if (changedFiles === undefined) return 'the changed files are unknown for this event, so filePaths cannot match';
  if (changedFiles.some((file) => criteriaMismatch('file', file, criteria) === undefined)) return undefined;
  if (changedFilesCut) return `no listed changed file passes filePaths, and ${changedFilesCut}`;
  return changedFiles.length === 0
    ? `the ${event.kind === 'push' ? 'push' : 'pull request'} changed no files`
    : `no changed file passes filePaths (${changedFiles.slice(0, 5).join(', ')}${changedFiles.length > 5 ? ', ...' : ''})`;
}

/** Why the push fails the filter's tags and branches, the criteria its payload answers. */
function pushHeadMismatch(filter: PushFilter, event: GitPushEvent): string | undefined {
  if (filter.tags) {
    if (event.tag === undefined) return `branch ${event.branch} is not a tag`;
    const mismatch = criteriaMismatch('tag', event.tag, filter.tags);
    if (mismatch) return mismatch;
  }
  if (filter.branches) {
    if (event.branch === undefined) return `tag ${event.tag} is not a branch`;
    const mismatch = criteriaMismatch('branch', event.branch, filter.branches);
    if (mismatch) return mismatch;
  }
  return undefined;
}

function pushFilterMismatch(filter: PushFilter, event: GitPushEvent): string | undefined {
  const mismatch = pushHeadMismatch(filter, event);
  if (mismatch) return mismatch;
  return filter.filePaths ? filePathsMismatch(event, filter.filePaths) : undefined;
}

/** Why the pull request fails the filter's events and branches, the criteria its payload answers. */
function pullRequestHeadMismatch(filter: PullRequestFilter, event: GitPullRequestEvent): string | undefined {
  const events = filter.events ?? ALL_PULL_REQUEST_ACTIONS;
  if (!events.includes(event.action)) return `pull request event ${event.action} is not in events (${events.join(', ')})`;
  if (filter.branches) {
    const mismatch = criteriaMismatch('destination branch', event.destinationBranch, filter.branches);
    if (mismatch) return mismatch;
  }
  return undefined;
}

function pullRequestFilterMismatch(filter: PullRequestFilter, event: GitPullRequestEvent): string | undefined {
  const mismatch = pullRequestHeadMismatch(filter, event);
  if (mismatch) return mismatch;
  return filter.filePaths ? filePathsMismatch(event, filter.filePaths) : undefined;
}

/** The first filter that matches starts the pipeline; otherwise every filter's reason is kept. */
function anyFilter<F>(filters: F[], mismatch: (filter: F) => string | undefined): string | undefined {
  const reasons: string[] = [];
  for (const filter of filters) {
    const reason = mismatch(filter);
    if (reason === undefined) return undefined;
    reasons.push(reason);
  }
  return reasons.join('; ');
}

/** A repository location compared loosely: case, a trailing slash and `.git` do not matter. */
function normalizedLocation(location: string): string {
  const absolute = location.startsWith('/') ? `file://${location}` : location;
  return absolute
    .trim()
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase();
}

/**
 * Whether the event comes from the source action's repository: CodeStarSourceConnection's
 * FullRepositoryId is the `owner/name`; Custom/Git's RepositoryUrl must be one of the repository's
 * URLs (an absolute local path counts as its file:// URL). Other providers have no git events.
 */
function repositoryMismatch(action: ActionDeclaration, event: GitEvent): string | undefined {
  const configuration = action.configuration ?? {};
  switch (providerKey(action.actionTypeId)) {
    case 'Source/AWS/CodeStarSourceConnection': {
      const id = configuration.FullRepositoryId ?? '';
      return id.toLowerCase() === event.repository.toLowerCase() ? undefined : `source action ${action.name} builds ${id}, not ${event.repository}`;
    }
    case 'Source/Custom/Git': {
      const url = configuration.RepositoryUrl ?? '';
      const known = new Set(event.repositoryUrls.map(normalizedLocation));
      return known.has(normalizedLocation(url)) ? undefined : `source action ${action.name} builds ${url}, which is none of ${event.repository}'s URLs`;
    }
    default:
      return `source action ${action.name} (${action.actionTypeId.provider}) is not started by git webhooks`;
  }
}

function defaultBranchMismatch(action: ActionDeclaration, event: GitEvent): string | undefined {
  const branch = action.configuration?.BranchName;
  if (event.kind !== 'push') return `source action ${action.name} has no pullRequest trigger`;
  if (action.configuration?.DetectChanges === 'false') return `source action ${action.name} has DetectChanges false`;
  if (event.branch === undefined) return `tag ${event.tag} is not a branch, and source action ${action.name} has no tag trigger`;
  return event.branch === branch ? undefined : `branch ${event.branch} is not ${branch}, the branch of source action ${action.name}`;
}

/** The pipeline's source actions, in declaration order. */
export const sourceActions = (pipeline: PipelineDeclaration) =>
  pipeline.stages.flatMap((stage) => stage.actions).filter((action) => action.actionTypeId.category === 'Source');

function triggerMismatch(pipeline: PipelineDeclaration, trigger: TriggerDeclaration, event: GitEvent): string | undefined {
  const { sourceActionName, push, pullRequest } = trigger.gitConfiguration;
  const action = sourceActions(pipeline).find((candidate) => candidate.name === sourceActionName);
  if (!action) return `the trigger's source action ${sourceActionName} is not a source action of the pipeline`;
  const mismatch = repositoryMismatch(action, event);
  if (mismatch) return mismatch;
  if (!push && !pullRequest) return defaultBranchMismatch(action, event);
  if (event.kind === 'push')
    return push ? anyFilter(push, (filter) => pushFilterMismatch(filter, event)) : `the trigger on ${sourceActionName} has no push filters`;
  return pullRequest
    ? anyFilter(pullRequest, (filter) => pullRequestFilterMismatch(filter, event))
    : `the trigger on ${sourceActionName} has no pullRequest filters`;
}

/** Whether the host can tell the event's changed files where its payload does not: a pull request's, or a push's since its `before`. */
export const changedFilesReadable = (event: GitEvent): boolean =>
  event.changedFiles === undefined && (event.kind === 'pullRequest' || event.before !== undefined);

/**
 * Whether deciding on `event` for `pipeline` takes its changed files, which the payload does not
 * list and the host can tell: a trigger on the event's repository has a filter of the event's kind
 * with filePaths whose other criteria the event passes.
 */
export function needsChangedFiles(pipeline: PipelineDeclaration, event: GitEvent): boolean {
  if (!changedFilesReadable(event)) return false;
  return (pipeline.triggers ?? []).some((trigger) => {
    const { sourceActionName, push, pullRequest } = trigger.gitConfiguration;
    const action = sourceActions(pipeline).find((candidate) => candidate.name === sourceActionName);
    if (action === undefined || repositoryMismatch(action, event) !== undefined) return false;
    return event.kind === 'push'
      ? (push ?? []).some((filter) => filter.filePaths !== undefined && pushHeadMismatch(filter, event) === undefined)
      : (pullRequest ?? []).some((filter) => filter.filePaths !== undefined && pullRequestHeadMismatch(filter, event) === undefined);
  });
}

/** Whether `event` starts `pipeline`, and which source action it pins to the event's commit. */
export function matchTrigger(pipeline: PipelineDeclaration, event: GitEvent): TriggerDecision {
  const reasons: string[] = [];
  const triggers = pipeline.triggers ?? [];
  if (triggers.length > 0) {
    for (const trigger of triggers) {
      const reason = triggerMismatch(pipeline, trigger, event);
      const { sourceActionName } = trigger.gitConfiguration;
      if (reason === undefined)
        return { start: true, sourceActionName, reason: `a ${event.kind} trigger on ${sourceActionName} matched`, fromSourceRepository: true };
      reasons.push(reason);
    }
  } else {
    for (const action of sourceActions(pipeline)) {
      const reason = repositoryMismatch(action, event) ?? defaultBranchMismatch(action, event);
      if (reason === undefined)
        return { start: true, sourceActionName: action.name, reason: `a push to the branch of source action ${action.name}`, fromSourceRepository: true };
      reasons.push(reason);
    }
  }
  const triggeringActions =
    triggers.length > 0
      ? sourceActions(pipeline).filter((action) => triggers.some((trigger) => trigger.gitConfiguration.sourceActionName === action.name))
      : sourceActions(pipeline);
  return {
    start: false,
    reason: reasons.join('; ') || 'the pipeline has no source action',
    fromSourceRepository: triggeringActions.some((action) => repositoryMismatch(action, event) === undefined),
  };
}
