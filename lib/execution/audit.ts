import type { AuditRecord, AuditSubject, Caller } from '../core/audit';
import type { AuditEvents, AuditLog } from '../ports/audit-log';
import type { ExecutionDependencies } from './dependencies';

/** Where control operations are recorded, and announced where there is a bus for them (EventBridge on AWS). */
export interface AuditDependencies {
  audit: AuditLog;
  auditEvents?: AuditEvents;
}

/**
 * Records a control operation that has been done: call it once the operation has succeeded, so
 * that a refused one leaves no record. The record is kept first, then announced.
 *
 * @example
 * await recordControl(deps, caller, { operation: 'DisableStageTransition', pipelineName, stageName, parameters: { transitionType }, reason });
 */
export async function recordControl(
  deps: AuditDependencies & Pick<ExecutionDependencies, 'clock' | 'newId'>,
  caller: Caller,
  subject: AuditSubject,
): Promise<AuditRecord> {
  const record: AuditRecord = { id: deps.newId(), time: deps.clock().toISOString(), who: caller.who, from: caller.from, ...subject };
  await deps.audit.record(record);
  await deps.auditEvents?.publishAuditRecord(record);
  return record;
}

/** What a start was asked for besides the pipeline: the names of the variables it set, and the revisions it pinned. */
export function startParameters(
  variables: Record<string, string>,
  sourceRevisions: readonly { actionName: string; revisionValue: string }[] = [],
): AuditSubject['parameters'] {
  const names = Object.keys(variables);
  const revisions = sourceRevisions.map((revision) => `${revision.actionName}=${revision.revisionValue}`);
  return {
    ...(names.length > 0 ? { variables: names.join(',') } : {}),
    ...(revisions.length > 0 ? { sourceRevisions: revisions.join(',') } : {}),
  };
}
