import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { ZipFile } from 'yazl';
import type { ActionContext } from '../../../lib/actions/action-provider';
import { s3Deploy } from '../../../lib/actions/s3-deploy';
import { S3BlobStore } from '../../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../../lib/artifacts/artifact-store';
import type { UnpackLimits } from '../../../lib/artifacts/zip';
import { BadInputError } from '../../../lib/core/errors';
import { DEFAULT_ARTIFACT_LIMITS } from '../../../lib/core/installation-settings';
import type { S3Location } from '../../../lib/ports/blob-store';
import { craftZip, type CraftedEntry } from '../../support/crafted-zip';
import { stackPerSuite } from '../../support/embedded-stack';

const ARTIFACT_BUCKET = 'sluice-artifacts';
const BIG = randomBytes(1536 * 1024);

/** The S3 deploy action of CodePipeline on the embedded S3, with artifacts that are zips made here. */
describe('the S3 deploy action', () => {
  const suite = stackPerSuite();
  let blobs: S3BlobStore;
  let deployments = 0;

  beforeAll(async () => {
    blobs = new S3BlobStore(suite.test.clients.s3);
    await blobs.ensureBucket(ARTIFACT_BUCKET);
  });

  /** Stores `zip` as an artifact and returns where. */
  async function storeZip(zip: Buffer): Promise<S3Location> {
    const location = { bucketName: ARTIFACT_BUCKET, objectKey: `webapp/Site/${++deployments}.zip` };
    await blobs.put(location, zip, { contentType: 'application/zip' });
    return location;
  }

  /** A site of small files, one nested, one of more than 1 MiB, an empty directory and a link. */
  async function siteZip(): Promise<Buffer> {
    const zip = new ZipFile();
    zip.addBuffer(Buffer.from('<h1>hello</h1>'), 'index.html');
    zip.addBuffer(Buffer.from('console.log(1);'), 'assets/js/app.js');
    zip.addBuffer(BIG, 'media/big.bin');
    zip.addEmptyDirectory('empty');
    zip.addBuffer(Buffer.from('index.html'), 'latest.html', { mode: 0o120777 });
    zip.end();
    return buffer(zip.outputStream);
  }

  async function deploy(location: S3Location, configuration: Record<string, string>, limits: UnpackLimits = DEFAULT_ARTIFACT_LIMITS) {
    const workspace = await mkdtemp(path.join(suite.scratch, 'work-'));
    const lines: string[] = [];
    const context: ActionContext = {
      pipelineName: 'webapp',
      executionId: `execution-${deployments}`,
      stageName: 'Deploy',
      action: {
        name: 'Publish',
        actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
        configuration,
        inputArtifacts: [{ name: 'Site' }],
      },
      inputArtifacts: [{ name: 'Site', location }],
      artifactBucket: ARTIFACT_BUCKET,
      artifacts: new ArtifactStore(blobs, { unpackLimits: async () => limits, temporaryRoot: suite.scratch }),
      blobs,
      workspace,
      log: (line) => lines.push(line),
      signal: new AbortController().signal,
    };
    const outcome = await s3Deploy.run!(context).catch((error: unknown) => error);
    return { outcome, lines, workspace, context };
  }

  async function objectsOf(bucketName: string): Promise<Record<string, Buffer>> {
    const objects: Record<string, Buffer> = {};
    for (const objectKey of await blobs.listKeys(bucketName, '')) objects[objectKey] = await buffer((await blobs.get({ bucketName, objectKey })).body);
    return objects;
  }

  it("uploads each regular file of the zip under ObjectKey, with the zip's bytes, and writes no tree", async () => {
    const { outcome, lines, workspace } = await deploy(await storeZip(await siteZip()), { BucketName: 'site-prefixed', Extract: 'true', ObjectKey: 'v1/' });

    expect(outcome).toEqual(expect.objectContaining({ summary: 'Deployed 3 files to s3://site-prefixed/v1/' }));
    const objects = await objectsOf('site-prefixed');
    expect(Object.keys(objects).sort()).toEqual(['v1/assets/js/app.js', 'v1/index.html', 'v1/media/big.bin']);
    expect(objects['v1/index.html']!.toString()).toBe('<h1>hello</h1>');
    expect(objects['v1/assets/js/app.js']!.toString()).toBe('console.log(1);');
    expect(objects['v1/media/big.bin']!.equals(BIG)).toBe(true);
    expect(lines.sort()).toEqual(['v1/assets/js/app.js', 'v1/index.html', 'v1/media/big.bin'].map((key) => `Uploaded s3://site-prefixed/${key}\n`));
    expect(await readdir(workspace)).toEqual([]);
    expect((await readdir(suite.scratch)).filter((name) => name.startsWith('sluice-artifact-'))).toEqual([]);
  });

  it('uploads under the keys of the zip root without ObjectKey, with a content type from each name', async () => {
    const { outcome } = await deploy(await storeZip(await siteZip()), { BucketName: 'site-root', Extract: 'true' });

    expect(outcome).toEqual(expect.objectContaining({ summary: 'Deployed 3 files to s3://site-root/' }));
    expect(Object.keys(await objectsOf('site-root')).sort()).toEqual(['assets/js/app.js', 'index.html', 'media/big.bin']);
    const page = await suite.test.clients.s3.send(new HeadObjectCommand({ Bucket: 'site-root', Key: 'index.html' }));
    expect(page.ContentType).toBe('text/html');
  });

  /** The refusal of extracting the artifact at `location` into the action's directory, as the deploy did before it read zips in place. */
  async function extractionRefusal(context: ActionContext, location: S3Location): Promise<unknown> {
    return context.artifacts.fetchArtifact(location, path.join(context.workspace, 'artifact')).catch((error: unknown) => error);
  }

  it.each<[string, CraftedEntry[], UnpackLimits, RegExp]>([
    [
      'a name that climbs out of the zip',
      [
        { name: 'index.html', content: 'fine' },
        { name: '../evil.html', content: 'evil' },
      ],
      DEFAULT_ARTIFACT_LIMITS,
      /^zip entry "\.\.\/evil\.html" would be written outside /,
    ],
    [
      'more entries than the unpack limits allow',
      ['a.html', 'b.html', 'c.html'].map((name) => ({ name, content: 'x' })),
      { maxEntries: 2, maxUnpackedBytes: 1024 },
      /more than 2 entries.*artifacts\.maxEntries/,
    ],
    [
      'more bytes than the unpack limits allow',
      ['a.html', 'b.html'].map((name) => ({ name, content: 'x'.repeat(600) })),
      { maxEntries: 10, maxUnpackedBytes: 1000 },
      /more than 1000 bytes.*artifacts\.maxUnpackedBytes/,
    ],
  ])('refuses a zip with %s, as extraction does, and uploads nothing', async (_, entries, limits, message) => {
    const zipFile = path.join(suite.scratch, 'refused.zip');
    await craftZip(zipFile, entries);
    const location = await storeZip(await readFile(zipFile));
    const bucketName = `refused-${deployments}`;

    const { outcome, workspace, context } = await deploy(location, { BucketName: bucketName, Extract: 'true' }, limits);

    expect(outcome).toBeInstanceOf(BadInputError);
    expect((outcome as Error).message).toMatch(message);
    expect(await readdir(workspace)).toEqual([]);
    expect(await objectsOf(bucketName)).toEqual({});
    expect(((await extractionRefusal(context, location)) as Error).message).toBe((outcome as Error).message);
  });
});
