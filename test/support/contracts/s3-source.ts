import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ActionContext, ActionOutcome } from '../../../lib/actions/action-provider';
import { s3Source } from '../../../lib/actions/s3-source';
import { zipDirectory } from '../../../lib/artifacts/zip';
import type { S3Location } from '../../../lib/ports/blob-store';
import { removeDirectory, temporaryDirectory } from '../embedded-stack';
import { SourceActionHarness } from '../source-actions';
import { serversForSuite, type ServerKind } from './servers';

/** Runs the S3 source action of pipeline webapp with `configuration`, and the pin an execution gives it. */
export async function runS3Source(
  harness: SourceActionHarness,
  configuration: Record<string, string>,
  pin: Pick<ActionContext, 'sourceRevision' | 'sourceRevisionType'> = {},
): Promise<{ outcome: ActionOutcome; log: string[] }> {
  const { context, log } = await harness.context({ actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' }, configuration }, pin);
  return { outcome: await s3Source.run!(context), log };
}

/** A source bucket and a source action harness, with its artifact bucket, on the servers of `kind`, for the enclosing describe block. */
export function s3SourceSetting(kind: ServerKind): () => { harness: SourceActionHarness; sourceBucket: string; s3: S3Client; scratch: string } {
  const servers = serversForSuite(kind);
  let setting: { harness: SourceActionHarness; sourceBucket: string; s3: S3Client; scratch: string };
  beforeAll(async () => {
    const scratch = await temporaryDirectory('sluice-s3-source-');
    const harness = await SourceActionHarness.start(servers().s3, scratch, servers().uniqueName('sluice-artifacts'));
    setting = { harness, s3: servers().s3, sourceBucket: servers().uniqueName('webapp-source'), scratch };
    await harness.blobs.ensureBucket(setting.sourceBucket);
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
      await setting().harness.blobs.put({ bucketName: setting().sourceBucket, objectKey }, zip, { contentType: 'application/zip' });
      return zip;
    }

    async function objectBytes(location: S3Location): Promise<Buffer> {
      return buffer((await setting().harness.blobs.get(location)).body);
    }

    it('copies the source zip to <pipeline>/<artifact>/<id>.zip, where it extracts to the same files', async () => {
      const { sourceBucket, harness, scratch } = setting();
      const zip = await uploadSourceZip('releases/app.zip', { 'index.html': '<h1>app</h1>', 'src/main.js': 'main()' });

      const { outcome, log } = await runS3Source(setting().harness, { S3Bucket: sourceBucket, S3ObjectKey: 'releases/app.zip' });

      expect(outcome.outputArtifacts).toEqual([
        { bucketName: harness.artifactBucket, objectKey: expect.stringMatching(/^webapp\/SourceOutput\/[A-Za-z0-9_-]{8}\.zip$/) },
      ]);
      const artifact = outcome.outputArtifacts[0]!;
      expect((await objectBytes(artifact)).equals(zip)).toBe(true);
      const extracted = path.join(scratch, 'extracted');
      expect((await harness.artifacts.fetchArtifact(artifact, extracted)).sort()).toEqual(['index.html', 'src/main.js']);
      expect(await readFile(path.join(extracted, 'src/main.js'), 'utf8')).toBe('main()');
      expect(log.join('')).toContain(`s3://${sourceBucket}/releases/app.zip`);
    });

    it('outputs the bare ETag of the source object, and no VersionId from an unversioned bucket', async () => {
      const zip = await uploadSourceZip('etag/app.zip', { 'a.txt': 'a' });

      const { outcome } = await runS3Source(setting().harness, { S3Bucket: setting().sourceBucket, S3ObjectKey: 'etag/app.zip' });

      expect(outcome.outputVariables).toEqual({ ETag: createHash('md5').update(zip).digest('hex') });
    });

    it("reads the key an S3_OBJECT_KEY pin names, StartPipelineExecution's override of S3ObjectKey", async () => {
      const zip = await uploadSourceZip('branches/feature.zip', { 'feature.txt': 'f' });
      await uploadSourceZip('branches/main.zip', { 'main.txt': 'm' });

      const { outcome, log } = await runS3Source(
        setting().harness,
        { S3Bucket: setting().sourceBucket, S3ObjectKey: 'branches/main.zip', AllowOverrideForS3ObjectKey: 'true' },
        { sourceRevision: 'branches/feature.zip', sourceRevisionType: 'S3_OBJECT_KEY' },
      );

      expect((await objectBytes(outcome.outputArtifacts[0]!)).equals(zip)).toBe(true);
      expect(log.join('')).toContain(`s3://${setting().sourceBucket}/branches/feature.zip`);
    });

    it('fails with a NotFound error that names the missing object and what to do', async () => {
      const { sourceBucket } = setting();
      const running = runS3Source(setting().harness, { S3Bucket: sourceBucket, S3ObjectKey: 'releases/missing.zip' });

      await expect(running).rejects.toMatchObject({
        name: 'Sluice.NotFound',
        message: expect.stringContaining(`s3://${sourceBucket}/releases/missing.zip`),
      });
      await expect(running).rejects.toThrow(/Upload the source as a zip to that key, or correct S3Bucket and S3ObjectKey/);
    });

    it('fails the same way when the source bucket does not exist', async () => {
      const running = runS3Source(setting().harness, { S3Bucket: 'no-such-bucket', S3ObjectKey: 'app.zip' });

      await expect(running).rejects.toMatchObject({ name: 'Sluice.NotFound', message: expect.stringContaining('s3://no-such-bucket/app.zip') });
    });

    describe('polled (PollForSourceChanges)', () => {
      const latestRevision = (objectKey: string) =>
        s3Source.latestRevision!({
          action: {
            name: 'Fetch',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { S3Bucket: setting().sourceBucket, S3ObjectKey: objectKey, PollForSourceChanges: 'true' },
          },
          blobs: setting().harness.blobs,
        });

      it("reads an unversioned object's revision as its key, marked by its ETag, which a new upload changes", async () => {
        await uploadSourceZip('polled/app.zip', { 'a.txt': 'first' });
        const first = await latestRevision('polled/app.zip');
        await uploadSourceZip('polled/app.zip', { 'a.txt': 'second' });
        const second = await latestRevision('polled/app.zip');

        expect(first).toEqual({
          revision: { revisionType: 'S3_OBJECT_KEY', revisionValue: 'polled/app.zip' },
          marker: expect.any(String),
          description: expect.stringMatching(new RegExp(`^s3://${setting().sourceBucket}/polled/app\\.zip with ETag [0-9a-f]{32}$`)),
        });
        expect(second!.marker).not.toBe(first!.marker);
      });

      it('reads no revision while there is no object', async () => {
        expect(await latestRevision('polled/missing.zip')).toBeUndefined();
      });
    });
  });
}
