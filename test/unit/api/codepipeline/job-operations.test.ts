import { JOB_OPERATIONS } from '../../../../lib/api/codepipeline/job-operations';
import { wireActionType } from '../../../../lib/api/codepipeline/run-operations';
import type { CustomActionTypeRecord } from '../../../../lib/core/custom-action-types';
import { ConflictError } from '../../../../lib/core/errors';
import { customActionTypeDescription } from '../../../../lib/operations/action-types';
import type { SluiceApi } from '../../../../lib/operations/sluice-api';

const record: CustomActionTypeRecord = {
  id: { category: 'Deploy', provider: 'Ship', version: '2' },
  settings: { entityUrlTemplate: 'https://example.com/{Config:Target}' },
  configurationProperties: [{ name: 'Target', required: true, key: true, secret: false, queryable: true }],
  inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
  outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
  tags: [{ key: 'team', value: 'ops' }],
  created: '2026-01-01T00:00:00.000Z',
};

describe('the job operations on the wire', () => {
  it("answer a custom type in the model's ActionType shape, owner Custom, without what Sluice keeps for itself", () => {
    expect(wireActionType(customActionTypeDescription(record))).toEqual({
      id: { category: 'Deploy', owner: 'Custom', provider: 'Ship', version: '2' },
      settings: { entityUrlTemplate: 'https://example.com/{Config:Target}' },
      actionConfigurationProperties: [{ name: 'Target', required: true, key: true, secret: false, queryable: true }],
      inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
      outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
    });
  });

  it('refuse, naming where to send them, on an API that does not serve the job-worker operations', async () => {
    const elsewhere = {} as SluiceApi;
    await expect(JOB_OPERATIONS.PollForJobs(elsewhere, {} as never)).rejects.toThrow(ConflictError);
    await expect(JOB_OPERATIONS.PollForJobs(elsewhere, {} as never)).rejects.toThrow(/send them to sluice serve, or to the stack on AWS/);
  });
});
