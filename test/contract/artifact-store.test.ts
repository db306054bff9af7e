import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import { zipFiles } from '../../lib/artifacts/zip';
import { BlobNotFoundError } from '../../lib/ports/blob-store';
import { stackPerSuite } from '../support/embedded-stack';

const BUCKET = 'sluice-artifacts';

describe('ArtifactStore through the embedded s3rver', () => {
  const suite = stackPerSuite();
  let blobs: S3BlobStore;

  beforeAll(async () => {
    blobs = new S3BlobStore(suite.test.clients.s3);
    await blobs.ensureBucket(BUCKET);
  });

  it('stores a directory as a zip at <pipeline>/<artifact>/<id>.zip and fetches it back', async () => {
    const source = path.join(suite.scratch, 'build');
    await mkdir(path.join(source, 'dist'), { recursive: true });
    await writeFile(path.join(source, 'dist/app.js'), 'console.log("app")');
    await writeFile(path.join(source, 'dist/start.sh'), '#!/bin/sh\nnode app.js\n');
    await chmod(path.join(source, 'dist/start.sh'), 0o755);
    await writeFile(path.join(source, 'notes.txt'), 'not part of the artifact');
    const artifacts = new ArtifactStore(blobs, { newArtifactId: () => 'Ab3dE6g' });

    const location = await artifacts.storeArtifact({
      bucketName: BUCKET,
      pipelineName: 'webapp',
      artifactName: 'BuildOutput',
      directory: source,
      files: ['dist/**'],
    });

    expect(location).toEqual({ bucketName: BUCKET, objectKey: 'webapp/BuildOutput/Ab3dE6g.zip' });
    const workspace = path.join(suite.scratch, 'workspace');
    expect((await artifacts.fetchArtifact(location, workspace)).sort()).toEqual(['dist/app.js', 'dist/start.sh']);
    expect(await readFile(path.join(workspace, 'dist/app.js'), 'utf8')).toBe('console.log("app")');
    expect((await stat(path.join(workspace, 'dist/start.sh'))).mode & 0o111).toBe(0o111);
    await expect(stat(path.join(workspace, 'notes.txt'))).rejects.toThrow('ENOENT');
  });

  it('refuses to fetch an artifact that unpacks past the caps it reads at each fetch, naming the setting', async () => {
    const source = path.join(suite.scratch, 'zeros');
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, 'zeros.bin'), Buffer.alloc(4 * 1024 * 1024));
    let limits = { maxUnpackedBytes: 1024 * 1024, maxEntries: 100 };
    const artifacts = new ArtifactStore(blobs, { unpackLimits: async () => limits });
    const location = await artifacts.storeArtifact({ bucketName: BUCKET, pipelineName: 'webapp', artifactName: 'Bomb', directory: source });
    expect((await blobs.head(location)).contentLength).toBeLessThan(64 * 1024);

    await expect(artifacts.fetchArtifact(location, path.join(suite.scratch, 'bomb-out'))).rejects.toThrow(
      /more than 1048576 bytes.*artifacts\.maxUnpackedBytes/,
    );
    limits = { maxUnpackedBytes: 8 * 1024 * 1024, maxEntries: 100 };
    expect(await artifacts.fetchArtifact(location, path.join(suite.scratch, 'bomb-out-raised'))).toEqual(['zeros.bin']);
  });

  it('gives each stored artifact its own random id', async () => {
    const source = path.join(suite.scratch, 'tiny');
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, 'a.txt'), 'a');
    const artifacts = new ArtifactStore(blobs);
    const request = { bucketName: BUCKET, pipelineName: 'webapp', artifactName: 'SourceOutput', directory: source };

    const first = await artifacts.storeArtifact(request);
    const second = await artifacts.storeArtifact(request);

    expect(first.objectKey).toMatch(/^webapp\/SourceOutput\/[A-Za-z0-9_-]{8}\.zip$/);
    expect(second.objectKey).not.toBe(first.objectKey);
  });

  it('stores a directory at a location the caller chose', async () => {
    const source = path.join(suite.scratch, 'chosen');
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, 'b.txt'), 'b');
    const artifacts = new ArtifactStore(blobs);
    const location = { bucketName: BUCKET, objectKey: 'webapp/BuildOutput/build-1' };

    await artifacts.storeDirectory(location, source);

    const workspace = path.join(suite.scratch, 'chosen-workspace');
    expect(await artifacts.fetchArtifact(location, workspace)).toEqual(['b.txt']);
    expect(await readFile(path.join(workspace, 'b.txt'), 'utf8')).toBe('b');
  });

  it('stores the zip that a writer writes, telling it whether the store deflates, and stores nothing when the writer fails', async () => {
    const asked: boolean[] = [];
    const writeZip = async (zipFile: string, { compress }: { compress: boolean }) => {
      asked.push(compress);
      const files = [{ name: 'bin/run.sh', mode: 0o100755, read: async () => Buffer.from('#!/bin/sh\n') }];
      await pipeline(zipFiles(files, { compress }), createWriteStream(zipFile));
    };
    const target = { bucketName: BUCKET, pipelineName: 'webapp', artifactName: 'SourceOutput' };

    const location = await new ArtifactStore(blobs, { newArtifactId: () => 'Zip1234' }).storeZipArtifact(target, writeZip);
    await new ArtifactStore(blobs, { compress: false }).storeZipArtifact(target, writeZip);

    expect(asked).toEqual([true, false]);
    expect(location).toEqual({ bucketName: BUCKET, objectKey: 'webapp/SourceOutput/Zip1234.zip' });
    const workspace = path.join(suite.scratch, 'zip-workspace');
    expect(await new ArtifactStore(blobs).fetchArtifact(location, workspace)).toEqual(['bin/run.sh']);
    expect((await stat(path.join(workspace, 'bin/run.sh'))).mode & 0o777).toBe(0o755);

    const failing = new ArtifactStore(blobs, { newArtifactId: () => 'Failed1' });
    await expect(failing.storeZipArtifact(target, async () => Promise.reject(new Error('the tree could not be read')))).rejects.toThrow(
      'the tree could not be read',
    );
    await expect(blobs.head({ bucketName: BUCKET, objectKey: 'webapp/SourceOutput/Failed1.zip' })).rejects.toThrow(BlobNotFoundError);
  });

  it('rejects a missing artifact with BlobNotFoundError naming its location', async () => {
    const artifacts = new ArtifactStore(blobs);
    const location = { bucketName: BUCKET, objectKey: 'webapp/BuildOutput/missing.zip' };

    const fetching = artifacts.fetchArtifact(location, path.join(suite.scratch, 'nowhere'));

    await expect(fetching).rejects.toThrow(BlobNotFoundError);
    await expect(fetching).rejects.toThrow(`s3://${BUCKET}/webapp/BuildOutput/missing.zip`);
  });
});
