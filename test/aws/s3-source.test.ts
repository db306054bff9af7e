import { buffer } from 'node:stream/consumers';
import { PutBucketVersioningCommand } from '@aws-sdk/client-s3';
import type { ActionContext } from '../../lib/actions/action-provider';
import { NotFoundError } from '../../lib/core/errors';
import { describeS3SourceContract, runS3Source, s3SourceSetting } from '../support/contracts/s3-source';
import { motoServers } from './support/moto-clients';

describeS3SourceContract(motoServers);

/** The embedded S3 keeps no versions, so a pinned version is tried on moto's versioned buckets. */
describe('the S3 source action on a versioned bucket on moto', () => {
  const setting = s3SourceSetting(motoServers);
  const source = () => ({ bucketName: setting().sourceBucket, objectKey: 'releases/app.zip' });

  beforeAll(async () => {
    await setting().s3.send(new PutBucketVersioningCommand({ Bucket: setting().sourceBucket, VersioningConfiguration: { Status: 'Enabled' } }));
  });

  function run(pin: Pick<ActionContext, 'sourceRevision' | 'sourceRevisionType'>) {
    return runS3Source(setting().harness, { S3Bucket: source().bucketName, S3ObjectKey: source().objectKey }, pin);
  }

  it('copies the version the execution pins, although a newer one exists', async () => {
    const pinned = await setting().harness.blobs.put(source(), 'the pinned zip');
    const newer = await setting().harness.blobs.put(source(), 'a newer zip');

    const {
      outcome: { outputArtifacts, outputVariables },
      log,
    } = await run({ sourceRevision: pinned.versionId, sourceRevisionType: 'S3_OBJECT_VERSION_ID' });

    expect(outputVariables.VersionId).toBe(pinned.versionId);
    expect((await buffer((await setting().harness.blobs.get(outputArtifacts[0]!)).body)).toString()).toBe('the pinned zip');
    expect(log.join('')).toContain(`(version ${pinned.versionId}, the version the execution pins)`);

    const { outcome: latest } = await run({ sourceRevision: source().objectKey, sourceRevisionType: 'S3_OBJECT_KEY' });
    expect(latest.outputVariables.VersionId).toBe(newer.versionId);
  });

  it('says so when the pinned version is gone', async () => {
    await setting().harness.blobs.put(source(), 'zip');

    await expect(run({ sourceRevision: 'no-such-version', sourceRevisionType: 'S3_OBJECT_VERSION_ID' })).rejects.toThrow(NotFoundError);
    await expect(run({ sourceRevision: 'no-such-version', sourceRevisionType: 'S3_OBJECT_VERSION_ID' })).rejects.toThrow(
      /Version no-such-version of s3:\/\/.*\/releases\/app\.zip, which the execution pins, does not exist/,
    );
  });
});
