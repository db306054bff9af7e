/**
 * Large artifacts: a 200 MiB directory of incompressible files stored as an artifact and fetched
 * back (ArtifactStore + S3BlobStore on the embedded s3rver, as actions do), compared with
 * `zip -r`, `cp` and `unzip` of the same directory. Also records how far the process's RSS rises,
 * since artifacts are meant to stream and never be held in memory.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extractZip, zipDirectory } from '../lib/artifacts/zip';
import { openLocalInstallation } from '../lib/compose/local';
import type { ExecutionDependencies } from '../lib/execution/dependencies';
import { describeMachine } from './support/machine';
import { MIB, sampleRss, type RssGrowth } from './support/rss-sampler';
import { runProcessOrThrow } from './support/run-process';
import { fixed, median, timed } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

const FILE_COUNT = 20;
const FILE_BYTES = 10 * MIB;
const TOTAL_BYTES = FILE_COUNT * FILE_BYTES;
const MEASURED_RUNS = 3;
const TARGET_SHARE_OF_BASELINE = 0.8;
const TARGET_RSS_GROWTH_BYTES = 100 * MIB;

interface SluiceRun {
  storeMs: number;
  fetchMs: number;
  rss: RssGrowth;
}

interface BaselineRun {
  zipMs: number;
  copyMs: number;
  unzipMs: number;
}

/** Random bytes do not deflate, so the zip work cannot be shortened by compression. */
async function writeIncompressibleFiles(directory: string): Promise<void> {
  await mkdir(directory);
  const bytes = Buffer.allocUnsafe(FILE_BYTES);
  for (let index = 0; index < FILE_COUNT; index += 1) {
    randomFillSync(bytes);
    await writeFile(path.join(directory, `random-${String(index).padStart(2, '0')}.bin`), bytes);
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** A round trip that loses or changes a byte measured nothing, so the first one of each kind is checked. */
async function assertSameFiles(expected: string, actual: string): Promise<void> {
  const names = (await readdir(expected)).sort();
  const found = (await readdir(actual)).sort();
  if (names.join('\n') !== found.join('\n')) throw new Error(`${actual} holds ${found.length} files, expected ${names.length}`);
  for (const name of names) {
    if ((await sha256(path.join(expected, name))) !== (await sha256(path.join(actual, name)))) throw new Error(`${name} differs after the round trip`);
  }
}

/** Dirty pages from one run would otherwise be written back during the next. */
const flushToDisk = () => runProcessOrThrow('sync', []);

async function sluiceRoundTrip(deps: ExecutionDependencies, source: string, destination: string): Promise<SluiceRun> {
  const sampler = sampleRss(50);
  try {
    const store = await timed(() =>
      deps.artifacts.storeArtifact({ bucketName: deps.artifactBucket, pipelineName: 'bench', artifactName: 'Large', directory: source }),
    );
    const fetch = await timed(() => deps.artifacts.fetchArtifact(store.result, destination));
    return { storeMs: store.ms, fetchMs: fetch.ms, rss: sampler.stop() };
  } catch (error) {
    // A failed run must not leave the sampling timer keeping the process alive.
    sampler.stop();
    throw error;
  }
}

/** What a shell script would do: zip, copy the zip to where it is kept, unzip it elsewhere. */
async function baselineRoundTrip(source: string, work: string, destination: string): Promise<BaselineRun> {
  const zipFile = path.join(work, 'artifact.zip');
  const storedFile = path.join(work, 'stored.zip');
  const zip = await timed(() => runProcessOrThrow('zip', ['-r', '-q', zipFile, '.'], { cwd: source }));
  const copy = await timed(() => runProcessOrThrow('cp', [zipFile, storedFile]));
  const unzip = await timed(() => runProcessOrThrow('unzip', ['-q', storedFile, '-d', destination]));
  return { zipMs: zip.ms, copyMs: copy.ms, unzipMs: unzip.ms };
}

/** One pass of each half of the Sluice round trip on its own, to show which part is slow. */
async function sluiceParts(deps: ExecutionDependencies, source: string, work: string): Promise<[string, number][]> {
  const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  const zipFile = path.join(work, 'parts.zip');
  const location = { bucketName: deps.artifactBucket, objectKey: 'bench/parts.zip' };
  const zipOnly = await timed(() => pipeline(zipDirectory(source), discard()));
  await pipeline(zipDirectory(source), createWriteStream(zipFile));
  const upload = await timed(() => deps.blobs.put(location, createReadStream(zipFile)));
  const download = await timed(async () => pipeline((await deps.blobs.get(location)).body, createWriteStream(`${zipFile}.downloaded`)));
  const extract = await timed(() => extractZip(zipFile, path.join(work, 'parts-extracted')));
  return [
    ['zip (yazl, deflate) to nowhere', zipOnly.ms],
    ['upload the zip file to s3rver (`Upload`, 5 MB parts)', upload.ms],
    ['download it to a file', download.ms],
    ['extract it (yauzl)', extract.ms],
  ];
}

const mibPerSecond = (ms: number) => TOTAL_BYTES / MIB / (ms / 1000);

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await runProcessOrThrow('which', ['zip', 'unzip']).catch(() => {
    throw new Error('This benchmark compares against zip and unzip; install them (apt-get install zip unzip).');
  });
  await withTempDir('large-artifact', async (root) => {
    const source = path.join(root, 'source');
    await writeIncompressibleFiles(source);
    const installation = await openLocalInstallation({ dataDir: path.join(root, 'data'), command: 'bench large-artifact' });
    try {
      const deps = installation.deps;
      const sluiceRuns: SluiceRun[] = [];
      const baselineRuns: BaselineRun[] = [];
      for (let run = 0; run < MEASURED_RUNS; run += 1) {
        const sluiceOut = path.join(root, `sluice-out-${run}`);
        await flushToDisk();
        sluiceRuns.push(await sluiceRoundTrip(deps, source, sluiceOut));
        if (run === 0) await assertSameFiles(source, sluiceOut);
        await rm(sluiceOut, { recursive: true, force: true });

        const work = path.join(root, `baseline-${run}`);
        const baselineOut = path.join(work, 'out');
        await mkdir(work);
        await flushToDisk();
        baselineRuns.push(await baselineRoundTrip(source, work, baselineOut));
        if (run === 0) await assertSameFiles(source, baselineOut);
        await rm(work, { recursive: true, force: true });
      }

      const sluiceMs = median(sluiceRuns.map((run) => run.storeMs + run.fetchMs));
      const baselineMs = median(baselineRuns.map((run) => run.zipMs + run.copyMs + run.unzipMs));
      const share = mibPerSecond(sluiceMs) / mibPerSecond(baselineMs);
      const rssGrowth = median(sluiceRuns.map((run) => run.rss.growthBytes));
      const worstRssGrowth = Math.max(...sluiceRuns.map((run) => run.rss.growthBytes));
      const ms = (values: number[]) => fixed(median(values), 0);
      printSection(
        `Large artifact: ${FILE_COUNT} x ${FILE_BYTES / MIB} MiB of random bytes, stored and fetched back (median of ${MEASURED_RUNS}, alternating)`,
        markdownTable(
          ['path', 'MiB/s', 'total ms', 'parts, ms'],
          [
            [
              'Sluice: `storeArtifact` + `fetchArtifact` on s3rver',
              fixed(mibPerSecond(sluiceMs)),
              fixed(sluiceMs, 0),
              `store ${ms(sluiceRuns.map((run) => run.storeMs))}, fetch ${ms(sluiceRuns.map((run) => run.fetchMs))}`,
            ],
            [
              'baseline: `zip -r` + `cp` + `unzip`',
              fixed(mibPerSecond(baselineMs)),
              fixed(baselineMs, 0),
              `zip ${ms(baselineRuns.map((run) => run.zipMs))}, cp ${ms(baselineRuns.map((run) => run.copyMs))}, unzip ${ms(baselineRuns.map((run) => run.unzipMs))}`,
            ],
            [
              `**Sluice / baseline throughput** (target ≥ ${TARGET_SHARE_OF_BASELINE * 100} %)`,
              `**${fixed(share * 100, 0)} %** ${verdict(share >= TARGET_SHARE_OF_BASELINE)}`,
              '',
              '',
            ],
            [
              `**peak RSS growth** of the Sluice process, sampled every 50 ms (target < ${TARGET_RSS_GROWTH_BYTES / MIB} MiB)`,
              `**${fixed(rssGrowth / MIB, 0)} MiB** (median; worst ${fixed(worstRssGrowth / MIB, 0)}) ${verdict(worstRssGrowth < TARGET_RSS_GROWTH_BYTES)}`,
              '',
              `per run: ${sluiceRuns.map((run) => fixed(run.rss.growthBytes / MIB, 0)).join(', ')} MiB`,
            ],
          ],
        ),
      );

      const work = path.join(root, 'parts');
      await mkdir(work);
      await flushToDisk();
      const parts = await sluiceParts(deps, source, work);
      printSection(
        'Where the Sluice time goes (each part once, on its own)',
        markdownTable(
          ['part', 'ms', 'MiB/s of the 200 MiB'],
          parts.map(([part, partMs]) => [part, fixed(partMs, 0), fixed(mibPerSecond(partMs))]),
        ),
      );
    } finally {
      await installation.close();
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
