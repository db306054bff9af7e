import { DETAIL_TYPES, EVENT_SOURCE, type PipelineEvent, type PipelineEventState } from '../core/events';
import { actionConnectionArn } from '../core/connection-hosts';
import { webhookCommit } from '../core/webhook-delivery';
import { isFinished } from '../core/status';
import type { CommitState, CommitStatus, CommitStatusReporter } from '../ports/commit-status';
import type { RuleBus } from '../ports/event-bus';
import type { ExecutionStore } from '../ports/execution-store';

/**
 * Commit statuses for the executions webhooks start: pending when one starts, then success,
 * failure or error when it ends, under the context `sluice/<pipeline>`, to the host of the
 * connection of the source action the execution pins (GitHub's for a source without one). A
 * reporting failure is a warning: it never fails the execution it reports on.
 */

export interface CommitStatusDependencies {
  reporter: CommitStatusReporter;
  store: Pick<ExecutionStore, 'getExecution' | 'getPipeline'>;
  /** The page of an execution, that a status links to. */
  executionUrl: (executionId: string, pipelineName: string) => string;
  warn: (message: string) => void;
}

/** A pipeline a delivery did not start, though the delivery's repository is one it builds. */
export interface SkippedCommit {
  repository: string;
  sha: string;
  pipelineName: string;
  reason: string;
  /** It matched, but could not start (a variable without a default, say): an error, not a skip. */
  couldNotStart: boolean;
  /** The connection of the pipeline's source action that builds the repository, whose host gets the status. */
  connectionArn?: string;
}

export const commitStatusContext = (pipelineName: string) => `sluice/${pipelineName}`;

const EXECUTION_STATES: Partial<Record<PipelineEventState, { state: CommitState; description: string }>> = {
  STARTED: { state: 'pending', description: 'Running' },
  SUCCEEDED: { state: 'success', description: 'Succeeded' },
  FAILED: { state: 'failure', description: 'Failed' },
  STOPPED: { state: 'error', description: 'Stopped' },
  SUPERSEDED: { state: 'error', description: 'Superseded by a newer execution' },
};

/** The pipeline events that change a commit status; end events carry no trigger, so the store is asked for it. */
export const COMMIT_STATUS_EVENT_PATTERN = {
  source: [EVENT_SOURCE],
  'detail-type': [DETAIL_TYPES.pipeline],
  detail: { state: Object.keys(EXECUTION_STATES) },
};

export class CommitStatusPublisher {
  /** The report last queued for each key; each waits for the one before it. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly deps: CommitStatusDependencies) {}

  /**
   * Queues the status an execution's pipeline event means, if a webhook started the execution.
   * Reports for one execution go out in order, so a slow pending never lands after its success;
   * pending is not reported for an execution that has already ended.
   */
  executionChanged(event: PipelineEvent): void {
    if (event['detail-type'] !== DETAIL_TYPES.pipeline) return;
    const { 'execution-id': executionId, pipeline, state } = event.detail;
    const mapped = EXECUTION_STATES[state];
    if (!mapped) return;
    this.enqueue(executionId, async () => {
      const execution = await this.deps.store.getExecution(executionId);
      if (execution?.trigger.triggerType !== 'WebhookV2') return undefined;
      const commit = webhookCommit(execution.trigger.triggerDetail);
      if (!commit) return undefined;
      // On AWS each event reaches its own invocation, in no set order: a STARTED handled after
      // the execution ended would put the commit back to pending after its final status.
      if (mapped.state === 'pending' && isFinished(execution.status)) return undefined;
      const summary = event.detail['execution-result']?.['external-execution-summary'];
      const version = await this.deps.store.getPipeline(execution.pipelineName, execution.pipelineVersion);
      const connectionArn = version && actionConnectionArn(version.declaration, execution.sourceRevisions?.[0]?.actionName);
      return {
        ...commit,
        ...(connectionArn ? { connectionArn } : {}),
        ...mapped,
        description: summary ? `${mapped.description}: ${summary}` : mapped.description,
        context: commitStatusContext(pipeline),
        targetUrl: this.deps.executionUrl(executionId, pipeline),
      };
    });
  }

  /**
   * GitHub has no neutral commit state, so a skipped pipeline reports success, saying "Skipped":
   * a required check on it must not wait forever for an execution that will never come.
   */
  skipped(skip: SkippedCommit): void {
    this.enqueue(`${skip.repository}@${skip.sha}/${skip.pipelineName}`, async () => ({
      repository: skip.repository,
      sha: skip.sha,
      ...(skip.connectionArn ? { connectionArn: skip.connectionArn } : {}),
      state: skip.couldNotStart ? 'error' : 'success',
      description: `${skip.couldNotStart ? 'Not started' : 'Skipped'}: ${skip.reason}`,
      context: commitStatusContext(skip.pipelineName),
    }));
  }

  /** Resolves when every queued report has been sent or warned about. */
  async settled(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private enqueue(key: string, status: () => Promise<CommitStatus | undefined>): void {
    const send = async () => {
      const next = await status();
      if (next) await this.deps.reporter.report(next);
    };
    const queued = (this.queues.get(key) ?? Promise.resolve())
      .then(send)
      .catch((error: unknown) => this.deps.warn(`could not report a commit status (${key}): ${(error as Error).message}`))
      .finally(() => {
        if (this.queues.get(key) === queued) this.queues.delete(key);
      });
    this.queues.set(key, queued);
  }
}

/**
 * Puts the commit status rule on the bus. Its target only queues the report: the bus waits for
 * its targets, and an execution must not wait for GitHub's answer before its first action.
 */
export function registerCommitStatusRule(bus: RuleBus, publisher: CommitStatusPublisher): () => void {
  return bus.putRule({
    name: 'sluice-github-commit-statuses',
    pattern: COMMIT_STATUS_EVENT_PATTERN,
    target: async (event) => publisher.executionChanged(event),
  });
}
