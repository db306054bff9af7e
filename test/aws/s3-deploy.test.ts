import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectAclCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { ActionContext } from '../../lib/actions/action-provider';
import { s3Deploy } from '../../lib/actions/s3-deploy';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import type { ActionDeclaration } from '../../lib/core/declaration';
import { ACCOUNT, REGION, motoClientConfig, uniqueName } from './support/moto-clients';

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';

/** The S3 deploy action of CodePipeline on moto's S3, as the action runner runs it on AWS. */
describe('the S3 deploy action on moto', () => {
  const s3 = new S3Client({ ...motoClientConfig(), forcePathStyle: true });
  const blobs = new S3BlobStore(s3);
  const artifacts = new ArtifactStore(blobs);
  const artifactBucket = uniqueName('sluice-artifacts');
  let scratch: string;
  let input: ActionContext['inputArtifacts'][number];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'sluice-s3-deploy-'));
    const site = path.join(scratch, 'site');
    await mkdir(path.join(site, 'assets'), { recursive: true });
    await writeFile(path.join(site, 'index.html'), '<h1>hello</h1>');
    await writeFile(path.join(site, 'assets', 'app.js'), 'console.log(1);');
    await blobs.ensureBucket(artifactBucket);
    const location = await artifacts.storeArtifact({ bucketName: artifactBucket, pipelineName: 'webapp', artifactName: 'Site', directory: site });
    input = { name: 'Site', location };
  });

  afterAll(async () => {
    s3.destroy();
    await rm(scratch, { recursive: true, force: true });
  });

  async function deploy(configuration: Record<string, string>): Promise<void> {
    const workspace = await mkdtemp(path.join(scratch, 'work-'));
    const action: ActionDeclaration = {
      name: 'Publish',
      actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
      configuration,
      inputArtifacts: [{ name: 'Site' }],
    };
    await s3Deploy.run!({
      pipelineName: 'webapp',
      executionId: uniqueName('execution'),
      stageName: 'Deploy',
      action,
      inputArtifacts: [input],
      artifactBucket,
      artifacts,
      blobs,
      workspace,
      log: () => undefined,
      signal: new AbortController().signal,
    });
  }

  async function grantsOf(bucket: string, key: string): Promise<string[]> {
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: key }));
    return (acl.Grants ?? []).map((grant) => `${grant.Grantee?.URI ?? grant.Grantee?.Type}:${grant.Permission}`);
  }

  it('gives every extracted object the canned ACL, the KMS key and the Cache-Control of its configuration', async () => {
    const bucket = uniqueName('site');
    await deploy({ BucketName: bucket, Extract: 'true', CannedACL: 'public-read', KMSEncryptionKeyARN: KEY_ARN, CacheControl: 'public, max-age=60' });

    for (const key of ['index.html', 'assets/app.js']) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect({ key, sse: head.ServerSideEncryption, kmsKey: head.SSEKMSKeyId, cacheControl: head.CacheControl }).toEqual({
        key,
        sse: 'aws:kms',
        kmsKey: KEY_ARN,
        cacheControl: 'public, max-age=60',
      });
      expect(await grantsOf(bucket, key)).toContain(`${ALL_USERS}:READ`);
    }
  });

  it('gives the one object of an unextracted deploy the same, and leaves a deploy without them private and unencrypted by KMS', async () => {
    const bucket = uniqueName('archive');
    await deploy({ BucketName: bucket, Extract: 'false', ObjectKey: 'releases/site.zip', CannedACL: 'authenticated-read', KMSEncryptionKeyARN: KEY_ARN });
    await deploy({ BucketName: bucket, Extract: 'false', ObjectKey: 'releases/plain.zip' });

    const archived = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'releases/site.zip' }));
    expect([archived.ServerSideEncryption, archived.SSEKMSKeyId]).toEqual(['aws:kms', KEY_ARN]);
    expect(await grantsOf(bucket, 'releases/site.zip')).toContain('http://acs.amazonaws.com/groups/global/AuthenticatedUsers:READ');
    const plain = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'releases/plain.zip' }));
    expect(plain.SSEKMSKeyId).toBeUndefined();
    expect((await grantsOf(bucket, 'releases/plain.zip')).filter((grant) => grant.startsWith('http://acs'))).toEqual([]);
  });

  it('refuses a canned ACL that S3 does not have, before it writes anything', async () => {
    const bucket = uniqueName('refused');
    await expect(deploy({ BucketName: bucket, Extract: 'true', CannedACL: 'log-delivery-write' })).rejects.toThrow(
      /CannedACL must be one of .*bucket-owner-full-control; not "log-delivery-write"/,
    );
  });
});
