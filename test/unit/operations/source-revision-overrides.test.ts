import { providerCatalog } from '../../../lib/actions/registry';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import { ValidationError } from '../../../lib/core/errors';
import { pinnedRevisions } from '../../../lib/operations/source-revision-overrides';

const pipeline = (configuration: Record<string, string>): PipelineDeclaration =>
  ({
    name: 'site',
    stages: [
      {
        name: 'Source',
        actions: [
          { name: 'Zip', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' }, configuration, outputArtifacts: [{ name: 'Src' }] },
        ],
      },
      {
        name: 'Build',
        actions: [{ name: 'Make', actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands: ['make'] }],
      },
    ],
  }) as PipelineDeclaration;

describe("StartPipelineExecution's sourceRevisions", () => {
  const bucket = { S3Bucket: 'b', S3ObjectKey: 'main.zip' };

  it('pins an S3 source to an object version, and to another key where the action allows it', () => {
    const version = { actionName: 'Zip', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: 'v7' };
    expect(pinnedRevisions(pipeline(bucket), [version], providerCatalog)).toEqual([version]);
    const key = { actionName: 'Zip', revisionType: 'S3_OBJECT_KEY', revisionValue: 'feature.zip' };
    expect(pinnedRevisions(pipeline({ ...bucket, AllowOverrideForS3ObjectKey: 'true' }), [key], providerCatalog)).toEqual([key]);
  });

  it('refuses, naming it, a key override the action does not allow, a commit for an S3 source, and an action named twice', () => {
    const refusal = (overrides: { actionName: string; revisionType: string; revisionValue: string }[]) => () =>
      pinnedRevisions(pipeline(bucket), overrides, providerCatalog);
    expect(refusal([{ actionName: 'Zip', revisionType: 'S3_OBJECT_KEY', revisionValue: 'feature.zip' }])).toThrow(
      new ValidationError(
        'sourceRevisions: source action Zip cannot be pinned to S3_OBJECT_KEY: its configuration does not set AllowOverrideForS3ObjectKey to true.',
      ),
    );
    expect(refusal([{ actionName: 'Zip', revisionType: 'COMMIT_ID', revisionValue: 'abc' }])).toThrow(
      'source action Zip (S3) cannot be pinned to COMMIT_ID; it can be pinned to S3_OBJECT_VERSION_ID or S3_OBJECT_KEY.',
    );
    const twice = { actionName: 'Zip', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: 'v1' };
    expect(refusal([twice, twice])).toThrow('sourceRevisions names source action Zip twice.');
    expect(refusal([{ ...twice, revisionValue: '' }])).toThrow('revisionValue of Zip must have 1 to 1500 characters');
  });
});
