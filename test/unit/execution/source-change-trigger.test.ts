import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ActionDeclaration } from '../../../lib/core/declaration';
import { BadInputError } from '../../../lib/core/errors';
import { handleSourceEvent } from '../../../lib/execution/source-change-trigger';
import { ROOT } from '../../support/fixtures';
import { pipelineRecord, triggerDependencies } from '../../support/trigger-dependencies';

/** AWS's sample events (test/fixtures/events/README.md says where each comes from). */
const sample = (name: string): Record<string, any> => JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/events', name), 'utf8'));

const objectCreated = sample('s3-object-created.json');
const referenceCreated = sample('codecommit-reference-created.json');
const imagePush = sample('ecr-image-push.json');
const VERSION = 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e';

const s3Source = (S3ObjectKey: string): ActionDeclaration => ({
  name: 'Fetch',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { S3Bucket: 'amzn-s3-demo-bucket1', S3ObjectKey },
  outputArtifacts: [{ name: 'Src' }],
});

const codeCommitSource = (BranchName: string): ActionDeclaration => ({
  name: 'Checkout',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'CodeCommit', version: '1' },
  configuration: { RepositoryName: 'MyDemoRepo', BranchName },
  outputArtifacts: [{ name: 'Src' }],
});

const ecrSource = (configuration: Record<string, string>): ActionDeclaration => ({
  name: 'Image',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'ECR', version: '1' },
  configuration,
  outputArtifacts: [{ name: 'ImageDetail' }],
});

describe('handleSourceEvent', () => {
  it('starts every pipeline that reads the new object, pinned to its version, and says why it skipped the others', async () => {
    const { deps, start, deliveries } = triggerDependencies([
      pipelineRecord('reads-it', s3Source('example-key')),
      pipelineRecord('reads-another', s3Source('other.zip')),
      pipelineRecord('on-codecommit', codeCommitSource('main')),
      pipelineRecord('needs-variable', s3Source('example-key'), [{ name: 'stage' }]),
    ]);

    const outcome = await handleSourceEvent(deps, objectCreated);

    expect(outcome).toEqual({
      kind: 'matched',
      started: [{ pipelineName: 'reads-it', pipelineExecutionId: 'reads-it-execution', sourceActionName: 'Fetch' }],
      failed: [
        { pipelineName: 'needs-variable', reason: 'a change to what source action Fetch reads, but it could not start: Variable stage has no default value' },
      ],
      skipped: [
        { pipelineName: 'reads-another', reason: 'source action Fetch reads s3://amzn-s3-demo-bucket1/other.zip, not s3://amzn-s3-demo-bucket1/example-key' },
        { pipelineName: 'on-codecommit', reason: 'the pipeline has no S3 source action' },
      ],
    });
    expect(start).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'reads-it' }),
      {},
      { triggerType: 'CloudWatchEvent', triggerDetail: `arn:aws:s3:::amzn-s3-demo-bucket1, object example-key version ${VERSION} (event ${objectCreated.id})` },
      [{ actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: VERSION }],
    );
    // Kept two days from the clock's now, in epoch seconds, for DynamoDB's TTL.
    expect([...deliveries]).toEqual([[objectCreated.id, Date.parse('2025-01-03T00:00:00.000Z') / 1000]]);
  });

  it('starts the pipeline of a created branch, pinned to its commit', async () => {
    const { deps, start } = triggerDependencies([
      pipelineRecord('on-my-branch', codeCommitSource('myBranch')),
      pipelineRecord('on-main', codeCommitSource('main')),
    ]);

    const outcome = await handleSourceEvent(deps, referenceCreated);

    expect(outcome).toMatchObject({ kind: 'matched', started: [{ pipelineName: 'on-my-branch', sourceActionName: 'Checkout' }], failed: [] });
    expect(start).toHaveBeenCalledTimes(1);
    expect(start.mock.calls[0]![3]).toEqual([{ actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: '3e5983DESTINATION' }]);
  });

  it('starts the pipeline that reads the pushed tag of the repository, pinned to the image digest', async () => {
    const { deps, start } = triggerDependencies([
      pipelineRecord('on-latest', ecrSource({ RepositoryName: 'my-repository-name' })),
      pipelineRecord('on-stable', ecrSource({ RepositoryName: 'my-repository-name', ImageTag: 'stable' })),
    ]);

    const outcome = await handleSourceEvent(deps, imagePush);

    expect(outcome).toMatchObject({
      kind: 'matched',
      started: [{ pipelineName: 'on-latest', sourceActionName: 'Image' }],
      skipped: [{ pipelineName: 'on-stable', reason: 'image tag latest is not stable, the tag of source action Image' }],
    });
    const digest = imagePush.detail['image-digest'];
    expect(start).toHaveBeenCalledWith(
      expect.objectContaining({ name: 'on-latest' }),
      {},
      {
        triggerType: 'CloudWatchEvent',
        triggerDetail: `arn:aws:ecr:us-west-2:123456789012:repository/my-repository-name, image tag latest at ${digest} (event ${imagePush.id})`,
      },
      [{ actionName: 'Image', revisionType: 'IMAGE_DIGEST', revisionValue: digest }],
    );
  });

  it('starts nothing for an event id it has seen', async () => {
    const { deps, start } = triggerDependencies([pipelineRecord('reads-it', s3Source('example-key'))]);
    await handleSourceEvent(deps, objectCreated);

    expect(await handleSourceEvent(deps, objectCreated)).toEqual({ kind: 'duplicate' });
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('records nothing for a change that no pipeline reads, an ignored event or a malformed one', async () => {
    const { deps, start, deliveries } = triggerDependencies([pipelineRecord('reads-another', s3Source('other.zip'))]);

    expect(await handleSourceEvent(deps, objectCreated)).toMatchObject({ kind: 'matched', started: [], failed: [] });
    expect(await handleSourceEvent(deps, sample('codecommit-reference-deleted.json'))).toMatchObject({ kind: 'ignored' });
    await expect(handleSourceEvent(deps, { ...objectCreated, detail: {} })).rejects.toThrow(BadInputError);
    expect(deliveries.size).toBe(0);
    expect(start).not.toHaveBeenCalled();
  });
});
