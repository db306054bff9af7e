import type { AuditRecord } from '../../lib/core/audit';

/** An abandoning stop by an IAM user, with its reason: a record with every kind of field. */
export const STOP_RECORD: AuditRecord = {
  id: 'r-2',
  time: '2026-01-01T00:00:02.000Z',
  who: 'arn:aws:iam::123456789012:user/ada',
  from: '203.0.113.7',
  operation: 'StopPipelineExecution',
  pipelineName: 'webapp',
  pipelineExecutionId: 'e-1',
  parameters: { abandon: true },
  reason: 'bad build',
};
