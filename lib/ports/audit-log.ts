import type { AuditRecord } from '../core/audit';
import type { Page } from '../core/pages';

/** Which records to list: one pipeline's, or every pipeline's; at most `limit`, after the page `nextToken` ended. */
export interface AuditQuery {
  pipelineName?: string;
  limit: number;
  nextToken?: string;
}

/** Where control operations are recorded. A pipeline's records outlive the pipeline. */
export interface AuditLog {
  record(record: AuditRecord): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery): Promise<Page<AuditRecord>>;
}

/** Where each record is announced besides: EventBridge on AWS. */
export interface AuditEvents {
  publishAuditRecord(record: AuditRecord): Promise<void>;
}
