/**
 * The local-run workload's parts, each timed on its own beside what the bash script does for the
 * same part: the floors under Sluice's stage times, measured in the same run as they are.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { exportCommitTree, zipCommitTree } from '../../lib/actions/git-tree-export';
import { extractZip, zipDirectory } from '../../lib/artifacts/zip';
import { openLocalInstallation } from '../../lib/compose/local';
import { runProcessOrThrow } from './run-process';
import { fixed, median, timed } from './stats';

const ROUNDS = 5;
/** Where Linux keeps a tmpfs: memory, not a disk's file system. */
const TMPFS = '/dev/shm';
/** As the S3 deploy sends them. */
const CONCURRENT_UPLOADS = 10;

export interface FloorInputs {
  root: string;
  /** The bare remote that bash clones. */
  remote: string;
  /** The repository that Sluice's source action reads. */
  repository: string;
  cli: string;
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

/** Median milliseconds of `ROUNDS` runs of `work`, each after `reset`. */
async function medianMs(work: (round: number) => Promise<unknown>, reset: (round: number) => Promise<unknown> = async () => undefined): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await reset(round);
    times.push((await timed(() => work(round))).ms);
  }
  return median(times);
}

/** Rows of [part, what Sluice runs and its ms, what bash runs and its ms]. */
export async function measureFloors({ root, remote, repository, cli }: FloorInputs): Promise<string[][]> {
  const work = path.join(root, 'floors');
  await rm(work, { recursive: true, force: true });
  await mkdir(work);
  const commit = execFileSync('git', ['-C', repository, 'rev-parse', 'HEAD']).toString().trim();
  const ms = (value: number) => fixed(value, 0);

  const nodeStart = await medianMs(() => runProcessOrThrow(process.execPath, ['-e', '0']));
  const cliStart = await medianMs(() => runProcessOrThrow(process.execPath, [cli, '--version']));

  const clone = (round: number) => path.join(work, `clone-${round}`);
  const treeZipMs = await medianMs((round) => zipCommitTree(repository, commit, path.join(work, `tree-${round}.zip`), { compress: false }));
  const cloneMs = await medianMs((round) =>
    runProcessOrThrow('git', ['clone', '--quiet', '--depth', '1', '--branch', 'main', `file://${remote}`, clone(round)]),
  );

  // The build's output, zipped as a local run stores it.
  const built = path.join(work, 'checkout');
  await mkdir(built);
  await exportCommitTree(repository, commit, built);
  execFileSync('sh', ['build.sh'], { cwd: built, env: { ...process.env, COMMIT_ID: commit } });
  const site = path.join(built, 'dist');
  const siteZip = path.join(work, 'site.zip');
  const zipMs = await medianMs(() => pipeline(zipDirectory(site, { compress: false }), createWriteStream(siteZip)));
  const unpacked = (round: number) => path.join(work, `unpacked-${round}`);
  const extractMs = await medianMs((round) => extractZip(siteZip, unpacked(round)));
  // The same extraction on tmpfs, where making a file costs no disk bookkeeping: what the temp
  // dir's file system adds. ext4 without a journal, as on the development VM, skips every inode
  // freed in the last minutes when it allocates one (recently_deleted()), so after a run's
  // removals each new file costs more.
  let extractOnTmpfsMs: number | undefined;
  if (existsSync(TMPFS)) {
    const inMemory = await mkdtemp(path.join(TMPFS, 'sluice-floors-'));
    try {
      extractOnTmpfsMs = await medianMs((round) => extractZip(siteZip, path.join(inMemory, `unpacked-${round}`)));
    } finally {
      await rm(inMemory, { recursive: true, force: true });
    }
  }
  const unzipped = (round: number) => path.join(work, `unzipped-${round}`);
  const unzipMs = await medianMs((round) => runProcessOrThrow('unzip', ['-q', siteZip, '-d', unzipped(round)]));
  const copied = (round: number) => path.join(work, `copied-${round}`);
  const copyMs = await medianMs((round) => runProcessOrThrow('cp', ['-r', site, copied(round)]));

  // The deploy's PutObjects alone, on the embedded S3 that a local run deploys to.
  const files = await filesUnder(site);
  const installation = await openLocalInstallation({ dataDir: path.join(work, 'data'), command: 'bench local-run floors' });
  let putMs: number;
  try {
    const { blobs } = installation.deps;
    await blobs.ensureBucket('floor-site');
    putMs = await medianMs(async (round) => {
      let next = 0;
      const upload = async () => {
        for (let file = files[next++]; file !== undefined; file = files[next++]) {
          await blobs.put({ bucketName: 'floor-site', objectKey: `${round}/${path.relative(site, file)}` }, readFileSync(file));
        }
      };
      await Promise.all(Array.from({ length: CONCURRENT_UPLOADS }, upload));
    });
  } finally {
    await installation.close();
  }

  return [
    ['a process starts', `\`node -e 0\`: ${ms(nodeStart)}`, ''],
    ['the CLI loads', `\`sluice --version\`: ${ms(cliStart)}`, ''],
    ['source: the commit’s tree', `zipped from ls-tree and cat-file: ${ms(treeZipMs)}`, `\`git clone --depth 1\`: ${ms(cloneMs)}`],
    [`build output (${files.length} files) zipped as stored`, `zipDirectory: ${ms(zipMs)}`, 'none'],
    ['build output unpacked, once per consumer', `extractZip: ${ms(extractMs)}`, `\`unzip\`: ${ms(unzipMs)}; none in bash`],
    ...(extractOnTmpfsMs === undefined
      ? []
      : [[`the same on tmpfs (${TMPFS}) rather than the temp dir's file system`, `extractZip: ${ms(extractOnTmpfsMs)}`, '']]),
    [`deploy: ${files.length} objects, ${CONCURRENT_UPLOADS} at once`, `PutObject to the embedded S3: ${ms(putMs)}`, `\`cp -r\`: ${ms(copyMs)}`],
  ];
}
