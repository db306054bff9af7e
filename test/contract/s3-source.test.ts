import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { ActionContext } from '../../lib/actions/action-provider';
import { s3Source } from '../../lib/actions/s3-source';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import { zipDirectory } from '../../lib/artifacts/zip';
import type { S3Location } from '../../lib/ports/blob-store';
import { removeDirectory, startTestStack, temporaryDirectory, type TestStack } from '../support/embedded-stack';

const SOURCE_BUCKET = 'webapp-source';
const ARTIFACT_BUCKET = 'sluice-artifacts';

describe('the S3 source action on the embedded s3rver', () => {
  let scratch: string;
  let test: TestStack;
  let blobs: S3BlobStore;
  let artifacts: ArtifactStore;

  beforeAll(async () => {
    scratch = await temporaryDirectory();
    test = await startTestStack(path.join(scratch, 'data'));
    blobs = new S3BlobStore(test.clients.s3);
    artifacts = new ArtifactStore(blobs);
    await blobs.ensureBucket(SOURCE_BUCKET);
    await blobs.ensureBucket(ARTIFACT_BUCKET);
  });

  afterAll(async () => {
    await test.stop();
    await removeDirectory(scratch);
  });

  /** Zips `files` and uploads the zip to the source bucket at `objectKey`; returns the zip's bytes. */
  async function uploadSourceZip(objectKey: string, files: Record<string, string | Buffer>): Promise<Buffer> {
    const directory = await mkdtemp(path.join(scratch, 'source-'));
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(directory, name)), { recursive: true });
      await writeFile(path.join(directory, name), content);
    }
    const zip = await buffer(zipDirectory(directory));
    await blobs.put({ bucketName: SOURCE_BUCKET, objectKey }, zip, { contentType: 'application/zip' });
    return zip;
  }

  async function runSourceAction(configuration: Record<string, string>): Promise<{ outcome: Awaited<ReturnType<NonNullable<typeof s3Source.run>>>; log: string[] }> {
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
      artifactBucket: ARTIFACT_BUCKET,
      artifacts,
      blobs,
      workspace: await mkdtemp(path.join(scratch, 'workspace-')),
      log: (text) => log.push(text),
      signal: new AbortController().signal,
    };
    return { outcome: await s3Source.run!(context), log };
  }

  async function objectBytes(location: S3Location): Promise<Buffer> {
    return buffer((await blobs.get(location)).body);
  }

  it('copies the source zip to <pipeline>/<artifact>/<id>.zip, where it extracts to the same files', async () => {
    const zip = await uploadSourceZip('releases/app.zip', { 'index.html': '<h1>app</h1>', 'src/main.js': 'main()' });

    const { outcome, log } = await runSourceAction({ S3Bucket: SOURCE_BUCKET, S3ObjectKey: 'releases/app.zip' });

    expect(outcome.outputArtifacts).toEqual([{ bucketName: ARTIFACT_BUCKET, objectKey: expect.stringMatching(/^webapp\/SourceOutput\/[A-Za-z0-9_-]{8}\.zip$/) }]);
    const artifact = outcome.outputArtifacts[0]!;
    expect((await objectBytes(artifact)).equals(zip)).toBe(true);
    const extracted = path.join(scratch, 'extracted');
    expect((await artifacts.fetchArtifact(artifact, extracted)).sort()).toEqual(['index.html', 'src/main.js']);
    expect(await readFile(path.join(extracted, 'src/main.js'), 'utf8')).toBe('main()');
    expect(log.join('')).toContain(`s3://${SOURCE_BUCKET}/releases/app.zip`);
  });

  it('outputs the bare ETag of the source object, and no VersionId from an unversioned bucket', async () => {
    const zip = await uploadSourceZip('etag/app.zip', { 'a.txt': 'a' });

    const { outcome } = await runSourceAction({ S3Bucket: SOURCE_BUCKET, S3ObjectKey: 'etag/app.zip' });

    expect(outcome.outputVariables).toEqual({ ETag: createHash('md5').update(zip).digest('hex') });
  });

  it('fails with a NotFound error that names the missing object and what to do', async () => {
    const running = runSourceAction({ S3Bucket: SOURCE_BUCKET, S3ObjectKey: 'releases/missing.zip' });

    await expect(running).rejects.toMatchObject({
      name: 'Sluice.NotFound',
      message: expect.stringContaining(`s3://${SOURCE_BUCKET}/releases/missing.zip`),
    });
    await expect(running).rejects.toThrow(/Upload the source as a zip to that key, or correct S3Bucket and S3ObjectKey/);
  });

  it('fails the same way when the source bucket does not exist', async () => {
    const running = runSourceAction({ S3Bucket: 'no-such-bucket', S3ObjectKey: 'app.zip' });

    await expect(running).rejects.toMatchObject({ name: 'Sluice.NotFound', message: expect.stringContaining('s3://no-such-bucket/app.zip') });
  });
});
