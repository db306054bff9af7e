import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ActionContext } from '../../../lib/actions/action-provider';
import { s3Source } from '../../../lib/actions/s3-source';
import { S3BlobStore } from '../../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../../lib/artifacts/artifact-store';
import { zipDirectory } from '../../../lib/artifacts/zip';
import type { S3Location } from '../../../lib/ports/blob-store';
import { removeDirectory, temporaryDirectory } from '../embedded-stack';
import { serversForSuite, type ServerKind } from './servers';

/** Where the S3 source action of `runS3Source` reads from and writes to. */
export interface S3SourceSetting {
  blobs: S3BlobStore;
  artifacts: ArtifactStore;
  artifactBucket: string;
  /** The folder in which each run gets a workspace of its own. */
  scratch: string;
}

/** Runs the S3 source action of pipeline webapp with `configuration`, and the pin an execution gives it. */
export async function runS3Source(
  setting: S3SourceSetting,
  configuration: Record<string, string>,
  pin: Pick<ActionContext, 'sourceRevision' | 'sourceRevisionType'> = {},
): Promise<{ outcome: Awaited<ReturnType<NonNullable<typeof s3Source.run>>>; log: string[] }> {
  const log: string[] = [];
  const context: ActionContext = {
    pipelineName: 'webapp',
    executionId: 'execution-1',
    stageName: 'Source',
    action: {
      name: 'Fetch',
      actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
      configuration,
      outputArtifacts: [{ name: 'SourceOutput' }],
    },
    inputArtifacts: [],
    artifactBucket: setting.artifactBucket,
    artifacts: setting.artifacts,
    blobs: setting.blobs,
    workspace: await mkdtemp(path.join(setting.scratch, 'workspace-')),
    log: (text) => log.push(text),
    signal: new AbortController().signal,
    ...pin,
  };
  return { outcome: await s3Source.run!(context), log };
}

/** A source bucket, an artifact bucket and a scratch folder on the servers of `kind`, for the enclosing describe block. */
export function s3SourceSetting(kind: ServerKind): () => S3SourceSetting & { sourceBucket: string; s3: S3Client } {
  const servers = serversForSuite(kind);
  let setting: S3SourceSetting & { sourceBucket: string; s3: S3Client };
  beforeAll(async () => {
    const blobs = new S3BlobStore(servers().s3);
    setting = { s3: servers().s3, blobs, artifacts: new ArtifactStore(blobs), sourceBucket: servers().uniqueName('webapp-source'), artifactBucket: servers().uniqueName('sluice-artifacts'), scratch: await temporaryDirectory('sluice-s3-source-') };
    await blobs.ensureBucket(setting.sourceBucket);
    await blobs.ensureBucket(setting.artifactBucket);
  });
  afterAll(async () => {
    if (setting) await removeDirectory(setting.scratch);
  });
  return () => setting;
}

/** What the S3 source action does with the objects of an unversioned bucket on the servers of `kind`. */
export function describeS3SourceContract(kind: ServerKind): void {
  describe(`the S3 source action on ${kind.name}`, () => {
    const setting = s3SourceSetting(kind);

    /** Zips `files` and uploads the zip to the source bucket at `objectKey`; returns the zip's bytes. */
    async function uploadSourceZip(objectKey: string, files: Record<string, string | Buffer>): Promise<Buffer> {
      const directory = await mkdtemp(path.join(setting().scratch, 'source-'));
      for (const [name, content] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(directory, name)), { recursive: true });
        await writeFile(path.join(directory, name), content);
      }
      const zip = await buffer(zipDirectory(directory));
      await setting().blobs.put({ bucketName: setting().sourceBucket, objectKey }, zip, { contentType: 'application/zip' });
      return zip;
    }

    async function objectBytes(location: S3Location): Promise<Buffer> {
      return buffer((await setting().blobs.get(location)).body);
    }

    it('copies the source zip to <pipeline>/<artifact>/<id>.zip, where it extracts to the same files', async () => {
      const { sourceBucket, artifactBucket, artifacts, scratch } = setting();
      const zip = await uploadSourceZip('releases/app.zip', { 'index.html': '<h1>app</h1>', 'src/main.js': 'main()' });

      const { outcome, log } = await runS3Source(setting(), { S3Bucket: sourceBucket, S3ObjectKey: 'releases/app.zip' });

      expect(outcome.outputArtifacts).toEqual([{ bucketName: artifactBucket, objectKey: expect.stringMatching(/^webapp\/SourceOutput\/[A-Za-z0-9_-]{8}\.zip$/) }]);
      const artifact = outcome.outputArtifacts[0]!;
      expect((await objectBytes(artifact)).equals(zip)).toBe(true);
      const extracted = path.join(scratch, 'extracted');
      expect((await artifacts.fetchArtifact(artifact, extracted)).sort()).toEqual(['index.html', 'src/main.js']);
      expect(await readFile(path.join(extracted, 'src/main.js'), 'utf8')).toBe('main()');
      expect(log.join('')).toContain(`s3://${sourceBucket}/releases/app.zip`);
    });

    it('outputs the bare ETag of the source object, and no VersionId from an unversioned bucket', async () => {
      const zip = await uploadSourceZip('etag/app.zip', { 'a.txt': 'a' });

      const { outcome } = await runS3Source(setting(), { S3Bucket: setting().sourceBucket, S3ObjectKey: 'etag/app.zip' });

      expect(outcome.outputVariables).toEqual({ ETag: createHash('md5').update(zip).digest('hex') });
    });

    it('fails with a NotFound error that names the missing object and what to do', async () => {
      const { sourceBucket } = setting();
      const running = runS3Source(setting(), { S3Bucket: sourceBucket, S3ObjectKey: 'releases/missing.zip' });

      await expect(running).rejects.toMatchObject({
        name: 'Sluice.NotFound',
        message: expect.stringContaining(`s3://${sourceBucket}/releases/missing.zip`),
      });
      await expect(running).rejects.toThrow(/Upload the source as a zip to that key, or correct S3Bucket and S3ObjectKey/);
    });

    it('fails the same way when the source bucket does not exist', async () => {
      const running = runS3Source(setting(), { S3Bucket: 'no-such-bucket', S3ObjectKey: 'app.zip' });

      await expect(running).rejects.toMatchObject({ name: 'Sluice.NotFound', message: expect.stringContaining('s3://no-such-bucket/app.zip') });
    });
  });
}
