import type { SourceRevision } from '../core/compile';
import {
  actionConnectionArn,
  connectionHost,
  describeHost,
  HOST_FAMILIES,
  repositoryConnectionArn,
  type Connections,
  type HostFamily,
} from '../core/connection-hosts';
import { changedFilesReadable, matchTrigger, needsChangedFiles, type GitEvent } from '../core/trigger-match';
import { webhookTriggerDetail, type WebhookDelivery } from '../core/webhook-delivery';
import type { FileChange, PullRequestFiles, RepositoryHosts } from '../ports/repository-host';
import type { SkippedCommit } from './commit-statuses';
import type { ExecutionStore, ExecutionTrigger, PipelineVersionRecord } from '../ports/execution-store';

/**
 * What a webhook delivery (GitHub's, Bitbucket Cloud's or GitLab's) does once its signature or
 * token is checked: de-duplicated by its delivery id, matched against every registered pipeline
 * whose source reads the repository on that host, and an execution started, pinned to the
 * commit, for each pipeline it matches.
 */

/** GitHub lets a delivery be redelivered for 3 days; its id is kept a little longer than that. */
const DELIVERY_RETENTION_SECONDS = 7 * 24 * 60 * 60;
/** The hosts wait 10 seconds for the answer to a delivery; reading the changed files takes less. */
const CHANGED_FILES_TIMEOUT_MS = 8_000;

/** Starts an execution of the pipeline version with its source pinned; returns the execution id. */
export type StartPinnedExecution = (
  pipeline: PipelineVersionRecord,
  variables: Record<string, string>,
  trigger: ExecutionTrigger,
  sourceRevisions: SourceRevision[],
) => Promise<string>;

/** Which files an event changed, asked of the host of a connection that reads its repository. */
export interface ChangedFilesRequest {
  /** The connection of a source that reads the repository; undefined reads the default host. */
  connectionArn: string | undefined;
  repository: string;
  change: FileChange;
}

export interface WebhookDeliveryDependencies {
  store: Pick<ExecutionStore, 'listPipelines' | 'recordDelivery'>;
  start: StartPinnedExecution;
  clock: () => Date;
  /** Told of each pipeline a delivery skipped that builds the delivery's repository, for its commit status. */
  reportSkipped?: (skip: SkippedCommit) => void;
  /** Reads the files a pull request or a push changed from the host's API; absent where Sluice has no host token. */
  changedFiles?: (request: ChangedFilesRequest, signal: AbortSignal) => Promise<PullRequestFiles>;
  /** Which host each connection reaches; without it, every connection is GitHub's. */
  connections?: () => Promise<Connections>;
}

export interface HostDeliveryRequest {
  /** The host that sent the delivery, whose signature or token has been checked. */
  host: HostFamily;
  /** `X-GitHub-Delivery`, `X-Request-UUID`, or GitLab's `Idempotency-Key` or `X-Gitlab-Event-UUID`. */
  id: string;
  /** What the payload means. */
  meaning: WebhookDelivery;
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

const changeOf = (event: GitEvent): FileChange | undefined =>
  event.kind === 'pullRequest' ? { pullRequest: event.number } : event.before !== undefined ? { from: event.before, to: event.commit } : undefined;

/**
 * The event with its changed files, read from the host only when a pipeline's trigger filters on
 * them and the payload does not list them; or why they could not be read. They are read through
 * the connection of the first such pipeline's source on the delivery's host.
 */
async function withChangedFiles(
  deps: WebhookDeliveryDependencies,
  host: HostFamily,
  event: GitEvent,
  pipelines: PipelineVersionRecord[],
): Promise<MatchedEvent> {
  const change = changeOf(event);
  const needing = pipelines.filter((record) => needsChangedFiles(record.declaration, event));
  if (change === undefined || needing.length === 0) return { event };
  const what = event.kind === 'pullRequest' ? "the pull request's changed files" : "the push's changed files";
  if (!deps.changedFiles) return { event, filesUnread: `Sluice has no ${host} token to read ${what} with, which filePaths needs` };
  const connections = (await deps.connections?.()) ?? {};
  const connectionArn = needing
    .map((record) => repositoryConnectionArn(record.declaration, event.repository))
    .find((arn) => HOST_FAMILIES[connectionHost(connections, arn).type] === host);
  try {
    const { files, cut } = await deps.changedFiles({ connectionArn, repository: event.repository, change }, AbortSignal.timeout(CHANGED_FILES_TIMEOUT_MS));
    return { event: { ...event, changedFiles: files, ...(cut ? { changedFilesCut: cut } : {}) } };
  } catch (error) {
    return { event, filesUnread: `${what}, which filePaths needs, could not be read: ${(error as Error).message}` };
  }
}

async function startIfMatching(
  deps: WebhookDeliveryDependencies,
  record: PipelineVersionRecord,
  { event, filesUnread }: MatchedEvent,
  { host, id: deliveryId }: Pick<HostDeliveryRequest, 'host' | 'id'>,
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
  if (filesUnread && !decision.start && changedFilesReadable(event) && needsChangedFiles(record.declaration, event)) return skipped(filesUnread, true);
  if (!decision.start) return skipped(decision.reason, false);
  const sourceActionName = decision.sourceActionName!;
  // A repository of the same owner/name on another host is another repository.
  const connectionArn = actionConnectionArn(record.declaration, sourceActionName);
  // Only GitHub's deliveries start sources without a connection (Custom/Git), as they always have.
  if (connectionArn === undefined && host !== 'GitHub')
    return {
      pipelineName: record.name,
      reason: `source action ${sourceActionName} has no ConnectionArn, and ${host}'s deliveries start CodeStarSourceConnection sources only`,
    };
  const sourceHost = connectionHost((await deps.connections?.()) ?? {}, connectionArn);
  if (HOST_FAMILIES[sourceHost.type] !== host)
    return { pipelineName: record.name, reason: `source action ${sourceActionName} reads ${describeHost(sourceHost)}, and the delivery comes from ${host}` };
  const trigger: ExecutionTrigger = { triggerType: 'WebhookV2', triggerDetail: webhookTriggerDetail(host, event.repository, event.commit, deliveryId) };
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

/** Handles one delivery whose signature or token has been checked; each event of it is matched against every pipeline. */
export async function handleHostDelivery(deps: WebhookDeliveryDependencies, delivery: HostDeliveryRequest): Promise<DeliveryOutcome> {
  const { meaning } = delivery;
  if (meaning.kind !== 'git') return meaning;
  const now = Math.floor(deps.clock().getTime() / 1000);
  // The same id from two hosts is two deliveries; GitHub's ids stay as they were recorded before other hosts delivered.
  const key = delivery.host === 'GitHub' ? delivery.id : `${delivery.host}:${delivery.id}`;
  if (!(await deps.store.recordDelivery(key, now + DELIVERY_RETENTION_SECONDS, now))) return { kind: 'duplicate' };
  const pipelines = await deps.store.listPipelines();
  const outcomes = (
    await Promise.all(
      meaning.events.map(async (event) => {
        const matched = await withChangedFiles(deps, delivery.host, event, pipelines);
        return Promise.all(pipelines.map((record) => startIfMatching(deps, record, matched, delivery)));
      }),
    )
  ).flat();
  return {
    kind: 'matched',
    started: outcomes.filter((outcome): outcome is StartedExecution => 'pipelineExecutionId' in outcome),
    skipped: outcomes.filter((outcome): outcome is SkippedPipeline => 'reason' in outcome),
  };
}

/** How deliveries read changed files: through the host of the connection, with its family's token. */
export const changedFilesThrough =
  (hosts: RepositoryHosts): NonNullable<WebhookDeliveryDependencies['changedFiles']> =>
  async ({ connectionArn, repository, change }, signal) =>
    (await hosts.forConnection(connectionArn)).changedFiles(repository, change, signal);
