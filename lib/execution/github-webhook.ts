import type { SourceRevision } from '../core/compile';
import { actionConnectionArn, connectionHost, describeHost, HOST_FAMILIES, repositoryConnectionArn, type Connections } from '../core/connection-hosts';
import { gitHubDelivery, webhookTriggerDetail } from '../core/github-event';
import { matchTrigger, needsPullRequestFiles, type GitEvent } from '../core/trigger-match';
import type { PullRequestFiles } from '../ports/repository-host';
import type { SkippedCommit } from './commit-statuses';
import type { ExecutionStore, ExecutionTrigger, PipelineVersionRecord } from '../ports/execution-store';

/**
 * What a GitHub delivery does once its signature is checked: de-duplicated by its delivery id,
 * matched against every registered pipeline, and an execution started, pinned to the commit, for
 * each pipeline it matches.
 */

/** GitHub lets a delivery be redelivered for 3 days; its id is kept a little longer than that. */
const DELIVERY_RETENTION_SECONDS = 7 * 24 * 60 * 60;
/** GitHub waits 10 seconds for the answer to a delivery; reading a pull request's files takes less. */
const PULL_REQUEST_FILES_TIMEOUT_MS = 8_000;

/** Starts an execution of the pipeline version with its source pinned; returns the execution id. */
export type StartPinnedExecution = (
  pipeline: PipelineVersionRecord,
  variables: Record<string, string>,
  trigger: ExecutionTrigger,
  sourceRevisions: SourceRevision[],
) => Promise<string>;

export interface GitHubWebhookDependencies {
  store: Pick<ExecutionStore, 'listPipelines' | 'recordDelivery'>;
  start: StartPinnedExecution;
  clock: () => Date;
  /** Told of each pipeline a delivery skipped that builds the delivery's repository, for its commit status. */
  reportSkipped?: (skip: SkippedCommit) => void;
  /** Reads the files a pull request changes from GitHub's API; absent where Sluice has no GitHub token. */
  pullRequestFiles?: (repository: string, number: number, signal: AbortSignal) => Promise<PullRequestFiles>;
  /** Which host each connection reaches; without it, every connection is GitHub's. */
  connections?: () => Promise<Connections>;
}

export interface GitHubDeliveryRequest {
  /** `X-GitHub-Delivery`. */
  id: string;
  /** `X-GitHub-Event`. */
  event: string;
  payload: unknown;
}

export interface StartedExecution {
  pipelineName: string;
  pipelineExecutionId: string;
  sourceActionName: string;
}

export interface SkippedPipeline {
  pipelineName: string;
  reason: string;
}

export type DeliveryOutcome =
  { kind: 'ping' } | { kind: 'ignored'; reason: string } | { kind: 'duplicate' } | { kind: 'matched'; started: StartedExecution[]; skipped: SkippedPipeline[] };

/** The event as triggers match it: `event` itself, or with the changed files that a pipeline's filter needs. */
type MatchedEvent = { event: GitEvent; filesUnread?: string };

/**
 * A pull request's event with its changed files, read from GitHub only when a pipeline's trigger
 * filters on them; or why they could not be read.
 */
async function withPullRequestFiles(deps: GitHubWebhookDependencies, event: GitEvent, pipelines: PipelineVersionRecord[]): Promise<MatchedEvent> {
  if (event.kind !== 'pullRequest' || !pipelines.some((record) => needsPullRequestFiles(record.declaration, event))) return { event };
  if (!deps.pullRequestFiles) {
    return {
      event,
      filesUnread:
        "Sluice has no GitHub token to read the pull request's changed files with, which filePaths needs: set SLUICE_GITHUB_TOKEN locally, or store a token in the stack's GitHub token secret on AWS",
    };
  }
  try {
    const { files, cut } = await deps.pullRequestFiles(event.repository, event.number, AbortSignal.timeout(PULL_REQUEST_FILES_TIMEOUT_MS));
    return { event: { ...event, changedFiles: files, ...(cut ? { changedFilesCut: cut } : {}) } };
  } catch (error) {
    return { event, filesUnread: `the pull request's changed files, which filePaths needs, could not be read: ${(error as Error).message}` };
  }
}

async function startIfMatching(
  deps: GitHubWebhookDependencies,
  record: PipelineVersionRecord,
  { event, filesUnread }: MatchedEvent,
  deliveryId: string,
): Promise<StartedExecution | SkippedPipeline> {
  const decision = matchTrigger(record.declaration, event);
  const skipped = (reason: string, couldNotStart: boolean): SkippedPipeline => {
    if (decision.fromSourceRepository) {
      const connectionArn = repositoryConnectionArn(record.declaration, event.repository);
      deps.reportSkipped?.({
        repository: event.repository,
        sha: event.commit,
        pipelineName: record.name,
        reason,
        couldNotStart,
        ...(connectionArn ? { connectionArn } : {}),
      });
    }
    return { pipelineName: record.name, reason };
  };
  // Without its files, a filter that needs them decides nothing: the pipeline could not be started, rather than skipped.
  if (filesUnread && !decision.start && needsPullRequestFiles(record.declaration, event)) return skipped(filesUnread, true);
  if (!decision.start) return skipped(decision.reason, false);
  const sourceActionName = decision.sourceActionName!;
  // A repository of the same owner/name on another host is another repository.
  const host = connectionHost((await deps.connections?.()) ?? {}, actionConnectionArn(record.declaration, sourceActionName));
  if (HOST_FAMILIES[host.type] !== 'GitHub')
    return { pipelineName: record.name, reason: `source action ${sourceActionName} reads ${describeHost(host)}, and the delivery comes from GitHub` };
  const trigger: ExecutionTrigger = { triggerType: 'WebhookV2', triggerDetail: webhookTriggerDetail(event.repository, event.commit, deliveryId) };
  try {
    const pipelineExecutionId = await deps.start(record, {}, trigger, [
      { actionName: sourceActionName, revisionType: 'COMMIT_ID', revisionValue: event.commit },
    ]);
    return { pipelineName: record.name, pipelineExecutionId, sourceActionName };
  } catch (error) {
    // One pipeline that cannot start (a variable without a default) must not stop the others.
    return skipped(`${decision.reason}, but it could not start: ${(error as Error).message}`, true);
  }
}

/** Handles one delivery whose signature has been verified. A payload that is not GitHub's is BadInput. */
export async function handleGitHubDelivery(deps: GitHubWebhookDependencies, delivery: GitHubDeliveryRequest): Promise<DeliveryOutcome> {
  const meaning = gitHubDelivery(delivery.event, delivery.payload);
  if (meaning.kind !== 'git') return meaning;
  const now = Math.floor(deps.clock().getTime() / 1000);
  if (!(await deps.store.recordDelivery(delivery.id, now + DELIVERY_RETENTION_SECONDS, now))) return { kind: 'duplicate' };
  const pipelines = await deps.store.listPipelines();
  const matched = await withPullRequestFiles(deps, meaning.event, pipelines);
  const outcomes = await Promise.all(pipelines.map((record) => startIfMatching(deps, record, matched, delivery.id)));
  return {
    kind: 'matched',
    started: outcomes.filter((outcome): outcome is StartedExecution => 'pipelineExecutionId' in outcome),
    skipped: outcomes.filter((outcome): outcome is SkippedPipeline => 'reason' in outcome),
  };
}
