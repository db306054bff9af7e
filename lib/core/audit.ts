/**
 * The control operations the audit trail records: what changes a pipeline or decides what its
 * executions do. Closed, so that each recorder names one of them.
 */
export type ControlOperation =
  | 'CreatePipeline'
  | 'UpdatePipeline'
  | 'DeletePipeline'
  | 'StartPipelineExecution'
  | 'StopPipelineExecution'
  | 'PutApprovalResult'
  | 'RetryStageExecution'
  | 'RollbackStage'
  | 'OverrideStageCondition'
  | 'DisableStageTransition'
  | 'EnableStageTransition';

/** Who asked for an operation, and from where: an IAM principal or a local user; an address, `cli` or the approval link. */
export interface Caller {
  who: string;
  from: string;
}

/** What an operation was done to, with the parameters that tell what it did. */
export interface AuditSubject {
  operation: ControlOperation;
  pipelineName: string;
  pipelineExecutionId?: string;
  stageName?: string;
  actionName?: string;
  parameters?: Record<string, string | number | boolean>;
  /** Why, as the caller said: a stop's reason, an approval's summary. */
  reason?: string;
}

/** One recorded control operation: who did what, when, from where and why. */
export interface AuditRecord extends AuditSubject, Caller {
  id: string;
  time: string;
}

/** The subject of a record in one cell: the pipeline, then the execution, stage and action it names. */
function subjectOf(record: AuditRecord): string {
  const where = [record.stageName, record.actionName].filter(Boolean).join('/');
  return [record.pipelineName, record.pipelineExecutionId, where].filter(Boolean).join(' ');
}

/** The operation with its parameters: `StopPipelineExecution abandon=true`. */
function whatOf(record: AuditRecord): string {
  const parameters = Object.entries(record.parameters ?? {}).map(([name, value]) => `${name}=${String(value)}`);
  return [record.operation, ...parameters].join(' ');
}

const HEADINGS = ['TIME', 'WHO', 'FROM', 'OPERATION', 'PIPELINE/EXECUTION/STAGE', 'WHY'];

/** Records as a table, a heading first; each column as wide as its widest cell, the last as long as it is. */
export function auditTableLines(records: readonly AuditRecord[]): string[] {
  const rows = [HEADINGS, ...records.map((record) => [record.time, record.who, record.from, whatOf(record), subjectOf(record), record.reason ?? ''])];
  const widths = HEADINGS.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The detail-type of a record announced on the event bus, from Sluice's event source. */
export const AUDIT_DETAIL_TYPE = 'Sluice Audit Record';
