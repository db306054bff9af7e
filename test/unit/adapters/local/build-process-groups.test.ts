import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BUILD_MARKER_VARIABLE, BuildProcessGroups, reapDeadOwners } from '../../../../lib/adapters/local/build-process-groups';

let dataDir: string;
const started: ChildProcess[] = [];

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'sluice-reap-'));
});

afterEach(async () => {
  for (const child of started.splice(0)) if (child.pid) killQuietly(-child.pid);
  await rm(dataDir, { recursive: true, force: true });
});

function killQuietly(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** A build's shell, as ShellSession starts it: leading its own group, with a background child. */
function startBuildShell(environment: Record<string, string>): ChildProcess {
  const child = spawn('bash', ['-c', 'sleep 300 & wait'], { detached: true, stdio: 'ignore', env: { ...process.env, ...environment } });
  started.push(child);
  return child;
}

/** The processes whose environment carries `marker`, found the way a user would, through /proc. */
async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    const environment = await readFile(`/proc/${name}/environ`, 'latin1').catch(() => '');
    if (environment.split('\0').includes(`${BUILD_MARKER_VARIABLE}=${marker}`)) found.push(Number(name));
  }
  return found;
}

async function eventually(check: () => Promise<boolean>): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/** The owner directory of a process that has died (a pid no process has), with one build recorded. */
async function deadOwnerWith(build: { marker: string; groupId?: number; leaderStartTime?: string }, workspaceRoot: string): Promise<string> {
  const owner = path.join(dataDir, 'owners', '999999999-dead');
  await mkdir(path.join(owner, 'builds'), { recursive: true });
  await writeFile(path.join(owner, 'owner.json'), JSON.stringify({ pid: 999_999_999, startTime: '1', workspaceRoot }));
  await writeFile(path.join(owner, 'builds', `${build.marker}.json`), JSON.stringify(build));
  return owner;
}

const startTimeOf = async (pid: number) => (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[19]!;

describe('reapDeadOwners', () => {
  it('kills the recorded process group of a dead owner, its background children too, and removes its workspaces', async () => {
    const marker = 'dead-owner-build';
    const shell = startBuildShell({ [BUILD_MARKER_VARIABLE]: marker });
    await eventually(async () => (await processesWith(marker)).length === 2);
    const workspaceRoot = await mkdtemp(path.join(tmpdir(), 'sluice-workspaces-test-'));
    const owner = await deadOwnerWith({ marker, groupId: shell.pid!, leaderStartTime: await startTimeOf(shell.pid!) }, workspaceRoot);

    await reapDeadOwners(dataDir);

    expect(await eventually(async () => (await processesWith(marker)).length === 0)).toBe(true);
    expect(existsSync(owner)).toBe(false);
    expect(existsSync(workspaceRoot)).toBe(false);
  });

  it("finds a dead owner's build by its marker when the recorded group id is not (or no longer) its own", async () => {
    const marker = 'leader-start-unknown';
    startBuildShell({ [BUILD_MARKER_VARIABLE]: marker });
    await eventually(async () => (await processesWith(marker)).length === 2);
    // The owner died before it recorded the group: only the marker says which processes are the build's.
    await deadOwnerWith({ marker }, path.join(tmpdir(), 'sluice-workspaces-never-made'));

    await reapDeadOwners(dataDir);

    expect(await eventually(async () => (await processesWith(marker)).length === 0)).toBe(true);
  });

  it('leaves a group alone when its leader is not the recorded one, as after pid reuse', async () => {
    const unrelated = startBuildShell({});
    await deadOwnerWith({ marker: 'gone', groupId: unrelated.pid!, leaderStartTime: '1' }, path.join(tmpdir(), 'sluice-workspaces-never-made'));

    await reapDeadOwners(dataDir);

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(unrelated.exitCode).toBeNull();
    expect(unrelated.signalCode).toBeNull();
  });

  it('leaves the builds and workspaces of an owner that is alive alone', async () => {
    const owner = await BuildProcessGroups.register(dataDir);
    const tracked = await owner.track();
    const shell = startBuildShell(tracked.environment);
    await tracked.started(shell.pid!);

    await reapDeadOwners(dataDir);

    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(shell.exitCode).toBeNull();
    expect(existsSync(owner.workspaceRoot)).toBe(true);
    tracked.ending();
    killQuietly(-shell.pid!);
    await tracked.ended();
    await owner.release();
    expect(existsSync(owner.workspaceRoot)).toBe(false);
  });
});

describe('BuildProcessGroups', () => {
  it("kills a build's whole group as soon as its owner dies by kill -9", async () => {
    const script = [
      `const { BuildProcessGroups } = require(${JSON.stringify(path.resolve('lib/adapters/local/build-process-groups.ts'))});`,
      "const { spawn } = require('node:child_process');",
      `BuildProcessGroups.register(${JSON.stringify(dataDir)}).then(async (owner) => {`,
      '  const tracked = await owner.track();',
      "  const shell = spawn('bash', ['-c', 'sleep 300 & wait'], { detached: true, stdio: 'ignore', env: { ...process.env, ...tracked.environment } });",
      '  await tracked.started(shell.pid);',
      '  console.log(tracked.environment.SLUICE_BUILD_MARKER);',
      '});',
    ].join('\n');
    const owner = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(owner);
    const marker = await new Promise<string>((resolve) => owner.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
    expect(await eventually(async () => (await processesWith(marker)).length === 2)).toBe(true);

    owner.kill('SIGKILL');

    expect(await eventually(async () => (await processesWith(marker)).length === 0)).toBe(true);
  });
});
