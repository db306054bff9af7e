import { auditTableLines, type AuditRecord } from '../../../lib/core/audit';
import { STOP_RECORD } from '../../support/audit-records';

const stop = STOP_RECORD;
const approval: AuditRecord = {
  id: 'r-1',
  time: '2026-01-01T00:00:01.000Z',
  who: 'bob',
  from: 'cli',
  operation: 'PutApprovalResult',
  pipelineName: 'webapp',
  pipelineExecutionId: 'e-1',
  stageName: 'Gate',
  actionName: 'Review',
  parameters: { result: 'Approved' },
};
const deletion: AuditRecord = { id: 'r-0', time: '2026-01-01T00:00:00.000Z', who: 'bob', from: 'cli', operation: 'DeletePipeline', pipelineName: 'old' };

describe('auditTableLines', () => {
  it('lines up each column under its heading, with the parameters beside the operation and the stage/action after the execution', () => {
    expect(auditTableLines([stop, approval, deletion])).toEqual([
      'TIME                      WHO                                 FROM         OPERATION                           PIPELINE/EXECUTION/STAGE  WHY',
      '2026-01-01T00:00:02.000Z  arn:aws:iam::123456789012:user/ada  203.0.113.7  StopPipelineExecution abandon=true  webapp e-1                bad build',
      '2026-01-01T00:00:01.000Z  bob                                 cli          PutApprovalResult result=Approved   webapp e-1 Gate/Review',
      '2026-01-01T00:00:00.000Z  bob                                 cli          DeletePipeline                      old',
    ]);
  });

  it('is the heading alone when there is nothing to show', () => {
    expect(auditTableLines([])).toEqual(['TIME  WHO  FROM  OPERATION  PIPELINE/EXECUTION/STAGE  WHY']);
  });
});
