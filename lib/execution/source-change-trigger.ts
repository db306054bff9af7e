import { providerCatalog } from '../actions/registry';
import { matchSourceChange, sourceChangeTriggerDetail, sourceEventOf, type SourceChange, type SourceChangeDecision } from '../core/source-change';
import type { ExecutionStore, ExecutionTrigger, PipelineVersionRecord } from '../ports/execution-store';
import type { SkippedPipeline, StartedExecution, StartPinnedExecution } from './webhook-deliveries';

/**
 * What a CodeCommit branch change, a new S3 object or an ECR image push does: every registered
 * pipeline whose source it changed starts, pinned to the changed revision, as CodePipeline's event
 * rules start them.
 */

/**
 * EventBridge retries a target for up to 24 hours, and Lambda retries an event it was handed; an
 * event's id is kept for twice that.
 */
const EVENT_RETENTION_SECONDS = 2 * 24 * 60 * 60;

export interface SourceChangeTriggerDependencies {
  store: Pick<ExecutionStore, 'listPipelines' | 'recordDelivery'>;
  start: StartPinnedExecution;
  clock: () => Date;
}

export type SourceChangeOutcome =
  | { kind: 'ignored'; reason: string }
  | { kind: 'duplicate' }
  | {
      kind: 'matched';
      started: StartedExecution[];
      /** Pipelines the change matched that could not start (a variable without a default), and why. */
      failed: SkippedPipeline[];
      /** Pipelines the change does not start, and why. */
      skipped: SkippedPipeline[];
    };

async function startPinned(
  deps: SourceChangeTriggerDependencies,
  record: PipelineVersionRecord,
  decision: Extract<SourceChangeDecision, { start: true }>,
  trigger: ExecutionTrigger,
): Promise<StartedExecution | SkippedPipeline> {
  const sourceActionName = decision.revision.actionName;
  try {
    return { pipelineName: record.name, pipelineExecutionId: await deps.start(record, {}, trigger, [decision.revision]), sourceActionName };
  } catch (error) {
    // One pipeline that cannot start must not stop the others.
    return { pipelineName: record.name, reason: `${decision.reason}, but it could not start: ${(error as Error).message}` };
  }
}

/**
 * Starts the pipelines that `change` changed the source of. The event's id is recorded only when
 * some pipeline matches, so that the many objects no pipeline reads leave nothing behind; a
 * redelivered event then starts nothing twice.
 */
async function handleSourceChange(deps: SourceChangeTriggerDependencies, change: SourceChange): Promise<SourceChangeOutcome> {
  const decisions = (await deps.store.listPipelines()).map((record) => ({ record, decision: matchSourceChange(record.declaration, change, providerCatalog) }));
  const skipped = decisions.flatMap(({ record, decision }) => (decision.start ? [] : [{ pipelineName: record.name, reason: decision.reason }]));
  const matching = decisions.flatMap(({ record, decision }) => (decision.start ? [{ record, decision }] : []));
  if (matching.length === 0) return { kind: 'matched', started: [], failed: [], skipped };
  const now = Math.floor(deps.clock().getTime() / 1000);
  if (!(await deps.store.recordDelivery(change.eventId, now + EVENT_RETENTION_SECONDS, now))) return { kind: 'duplicate' };
  const trigger: ExecutionTrigger = { triggerType: 'CloudWatchEvent', triggerDetail: sourceChangeTriggerDetail(change) };
  const outcomes = await Promise.all(matching.map(({ record, decision }) => startPinned(deps, record, decision, trigger)));
  return {
    kind: 'matched',
    started: outcomes.filter((outcome): outcome is StartedExecution => 'pipelineExecutionId' in outcome),
    failed: outcomes.filter((outcome): outcome is SkippedPipeline => 'reason' in outcome),
    skipped,
  };
}

/**
 * Handles a CodeCommit Repository State Change, an S3 Object Created or an ECR Image Action event,
 * as EventBridge delivers it. An event of another kind, or without a field Sluice reads, is BadInput.
 */
export async function handleSourceEvent(deps: SourceChangeTriggerDependencies, event: unknown): Promise<SourceChangeOutcome> {
  const meaning = sourceEventOf(event);
  return meaning.kind === 'change' ? handleSourceChange(deps, meaning.change) : meaning;
}
