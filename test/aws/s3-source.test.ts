import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import type { ActionContext } from '../../lib/actions/action-provider';
import { s3Source } from '../../lib/actions/s3-source';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import { NotFoundError } from '../../lib/core/errors';
import { motoClientConfig, uniqueName } from './support/moto-clients';

/** The embedded S3 keeps no versions, so a pinned version is tried on moto's versioned buckets. */
describe('the S3 source action on a versioned bucket on moto', () => {
  const s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
  const blobs = new S3BlobStore(s3);
  const artifacts = new ArtifactStore(blobs);
  const sourceBucket = uniqueName('sluice-source');
  const artifactBucket = uniqueName('sluice-artifacts');
  const source = { bucketName: sourceBucket, objectKey: 'releases/app.zip' };
  let workspace: string;

  beforeAll(async () => {
    await blobs.ensureBucket(sourceBucket);
    await blobs.ensureBucket(artifactBucket);
    await s3.send(new PutBucketVersioningCommand({ Bucket: sourceBucket, VersioningConfiguration: { Status: 'Enabled' } }));
    workspace = await mkdtemp(path.join(os.tmpdir(), 'sluice-s3-source-'));
  });
  afterAll(async () => {
    s3.destroy();
    await rm(workspace, { recursive: true, force: true });
  });

  function run(pin: Pick<ActionContext, 'sourceRevision' | 'sourceRevisionType'>) {
    const log: string[] = [];
    const context: ActionContext = {
      pipelineName: 'webapp',
      executionId: 'execution-1',
      stageName: 'Source',
      action: {
        name: 'Fetch',
        actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
        configuration: { S3Bucket: source.bucketName, S3ObjectKey: source.objectKey },
        outputArtifacts: [{ name: 'SourceOutput' }],
      },
      inputArtifacts: [],
      artifactBucket,
      artifacts,
      blobs,
      workspace,
      log: (text) => log.push(text),
      signal: new AbortController().signal,
      ...pin,
    };
    return { outcome: s3Source.run!(context), log };
  }

  it('copies the version the execution pins, although a newer one exists', async () => {
    const pinned = await blobs.put(source, 'the pinned zip');
    const newer = await blobs.put(source, 'a newer zip');

    const { outcome, log } = run({ sourceRevision: pinned.versionId, sourceRevisionType: 'S3_OBJECT_VERSION_ID' });

    const { outputArtifacts, outputVariables } = await outcome;
    expect(outputVariables.VersionId).toBe(pinned.versionId);
    expect((await buffer((await blobs.get(outputArtifacts[0]!)).body)).toString()).toBe('the pinned zip');
    expect(log.join('')).toContain(`(version ${pinned.versionId}, the version the execution pins)`);

    const latest = await run({ sourceRevision: source.objectKey, sourceRevisionType: 'S3_OBJECT_KEY' }).outcome;
    expect(latest.outputVariables.VersionId).toBe(newer.versionId);
  });

  it('says so when the pinned version is gone', async () => {
    await blobs.put(source, 'zip');

    await expect(run({ sourceRevision: 'no-such-version', sourceRevisionType: 'S3_OBJECT_VERSION_ID' }).outcome).rejects.toThrow(NotFoundError);
    await expect(run({ sourceRevision: 'no-such-version', sourceRevisionType: 'S3_OBJECT_VERSION_ID' }).outcome).rejects.toThrow(/Version no-such-version of s3:\/\/.*\/releases\/app\.zip, which the execution pins, does not exist/);
  });
});
