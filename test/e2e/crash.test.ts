import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { openLocalInstallation } from '../../lib/compose/local';
import { killStartedSluice, sluice, startSluice } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { gitSourceStage } from '../support/declarations';
import { seededRandom } from '../support/seeded-random';

afterEach(killStartedSluice);

const ROUNDS = 50;

/** The processes whose environment carries `entry`, through /proc, as any user could look. */
function processesCarrying(entry: string): string[] {
  return readdirSync('/proc').filter((name) => {
    try {
      return readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(entry);
    } catch {
      return false;
    }
  });
}

/** Reads every entry of a zip to its end, so that yauzl checks each one's size and CRC-32. */
async function readWholeZip(file: string): Promise<number> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  let entries = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName.endsWith('/')) continue;
      const stream = await zip.openReadStreamPromise(entry);
      for await (const chunk of stream) void chunk;
      entries += 1;
    }
  } finally {
    zip.close();
  }
  return entries;
}

/** Where the embedded S3 keeps the object at `key`. */
function storedObject(dataDir: string, key: string): string {
  const suffix = `${key}._S3rver_object`;
  const found = readdirSync(dataDir, { recursive: true, encoding: 'utf8' }).find((name) => name.endsWith(suffix));
  if (!found) throw new Error(`no stored object for ${key} in ${dataDir}`);
  return path.join(dataDir, found);
}

describe('kill -9 of the owner of a data dir, again and again', () => {
  it(`leaves no build running, no workspace, nothing InProgress and no broken artifact after ${ROUNDS} crashes`, async () => {
    const seed = Number(process.env.SLUICE_CRASH_SEED ?? Date.now() % 2 ** 31);
    // Printed so that a failure can be replayed with SLUICE_CRASH_SEED.
    console.log(`crash test seed: ${seed}`);
    const random = seededRandom(seed);
    const marker = `SLUICE_CRASH_TEST=${randomUUID()}`;
    const [markerName, markerValue] = marker.split('=') as [string, string];
    const repo = gitRepository({ 'a.txt': 'a' });
    const data = mkdtempSync(path.join(tmpdir(), 'sluice-crash-data-'));
    const pipelines = mkdtempSync(path.join(tmpdir(), 'sluice-crash-pipelines-'));
    const source = gitSourceStage(repo.dir);
    const build = {
      name: 'Build',
      actions: [
        {
          name: 'Make',
          actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
          // Background children that would outlive the build, then a few MB of output to upload.
          commands: ['(sleep 300 &)', 'sleep 300 &', 'head -c 3000000 /dev/urandom > big.bin', 'seq 1 200000 > numbers.txt', 'sleep 0.2'],
          environmentVariables: [{ name: markerName, value: markerValue }],
          inputArtifacts: [{ name: 'Src' }],
          outputArtifacts: [{ name: 'Out', files: ['big.bin', 'numbers.txt'] }],
        },
      ],
    };
    const approval = {
      name: 'Approve',
      actions: [{ name: 'Gate', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }],
    };
    const buildsFile = path.join(pipelines, 'builds.json');
    writeFileSync(buildsFile, JSON.stringify({ name: 'crash-builds', stages: [source, build] }));
    const approvalsFile = path.join(pipelines, 'approvals.json');
    writeFileSync(approvalsFile, JSON.stringify({ name: 'crash-approvals', stages: [source, build, approval] }));

    const owners: number[] = [];
    const testStarted = Date.now();
    const moments = [
      { file: buildsFile, after: /Wait|Make: started/, jitterMs: 600 },
      { file: buildsFile, after: /Running command sleep 0\.2/, jitterMs: 400 },
      { file: buildsFile, after: /Phase complete: BUILD/, jitterMs: 150 },
      { file: approvalsFile, after: /waiting for approval/, jitterMs: 300 },
      { file: approvalsFile, after: /Make: started/, jitterMs: 900 },
    ];
    for (let round = 0; round < ROUNDS; round += 1) {
      if (round % 17 === 0) {
        // Some executions succeed between the crashes; the crashes after them must not harm what they stored.
        const complete = startSluice(['run', buildsFile, '--data-dir', data]);
        owners.push(complete.child.pid!);
        expect(await complete.exit).toBe(0);
      }
      const moment = moments[Math.floor(random() * moments.length)]!;
      const delay = Math.floor(random() * moment.jitterMs);
      const run = startSluice(['run', moment.file, '--data-dir', data]);
      owners.push(run.child.pid!);
      await Promise.race([run.waitFor(moment.after, 30_000), run.exit]);
      await new Promise((resolve) => setTimeout(resolve, delay));
      run.child.kill('SIGKILL');
      await run.exit;
    }

    // A command that is not serve opens the data dir: it ends what the last owner left.
    for (const name of ['crash-builds', 'crash-approvals']) {
      const listed = sluice(['executions', name, '--data-dir', data, '--json', '--limit', '100']);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout).pipelineExecutionSummaries.filter((execution: { status: string }) => execution.status === 'InProgress')).toEqual([]);
    }
    expect(processesCarrying(marker)).toEqual([]);
    // Made during this test: a pid of this test's owners may have been another process's before.
    const workspaces = readdirSync(tmpdir()).filter(
      (name) => owners.some((pid) => name.startsWith(`sluice-workspaces-${pid}-`)) && statSync(path.join(tmpdir(), name)).mtimeMs >= testStarted,
    );
    expect(workspaces).toEqual([]);
    expect(existsSync(path.join(data, 'owners')) ? readdirSync(path.join(data, 'owners')) : []).toEqual([]);
    // Every stage lock is free and no line holds anyone: nothing runs any more.
    const installation = await openLocalInstallation({ dataDir: data, command: 'crash test', write: () => undefined });
    try {
      for (const stage of ['Source', 'Build', 'Approve']) {
        for (const pipeline of ['crash-builds', 'crash-approvals'])
          expect(await installation.deps.locks.read(pipeline, stage)).toEqual({ transitions: {}, waiters: [] });
      }
    } finally {
      await installation.close();
    }

    const summaries = JSON.parse(sluice(['executions', 'crash-builds', '--data-dir', data, '--json', '--limit', '100']).stdout).pipelineExecutionSummaries as {
      status: string;
      pipelineExecutionId: string;
    }[];
    const succeeded = summaries.filter((execution) => execution.status === 'Succeeded');
    expect(succeeded.length).toBeGreaterThan(0);
    let checked = 0;
    for (const execution of succeeded) {
      const { events } = JSON.parse(sluice(['events', execution.pipelineExecutionId, '--data-dir', data, '--json']).stdout) as {
        events: { detail: { 'output-artifacts'?: { s3location: { key: string } }[] } }[];
      };
      for (const artifact of events.flatMap((event) => event.detail['output-artifacts'] ?? [])) {
        expect(await readWholeZip(storedObject(data, artifact.s3location.key))).toBeGreaterThan(0);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(succeeded.length * 2);
    console.log(`crash test: ${ROUNDS} crashes, ${succeeded.length} executions succeeded between them, ${checked} of their artifacts read whole`);
  }, 400_000);
});
