import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { BuildProcessTracker, TrackedBuild } from '../../ports/build-processes';
import { isAlive } from './data-dir-lock';

/** Every process of a build carries it in its environment, and keeps it across `setsid` and `nohup`. */
export const BUILD_MARKER_VARIABLE = 'SLUICE_BUILD_MARKER';

/** Below the data dir, one directory for each process that owns builds: `<pid>-<random>/`. */
const OWNERS_DIRECTORY = 'owners';

/**
 * A process, told apart from a later one that got the same pid by its start time (clock ticks
 * after boot, from /proc); without /proc, by its pid alone.
 */
interface ProcessIdentity {
  pid: number;
  startTime?: string;
}

/** owner.json: who owns the builds recorded beside it, and where their workspaces are. */
interface OwnerRecord extends ProcessIdentity {
  workspaceRoot: string;
}

/** builds/<marker>.json, written before the build's shell starts and completed once it has. */
interface BuildRecord {
  marker: string;
  groupId?: number;
  leaderStartTime?: string;
}

/**
 * The builds that this process starts on this machine, recorded under the data dir, so that none
 * of them outlives it: each build's process group is watched by a tiny shell that kills the group
 * when this process dies, and the next process to open the data dir kills what is left and removes
 * the workspaces (see `reapDeadOwners`).
 */
export class BuildProcessGroups implements BuildProcessTracker {
  private constructor(
    private readonly directory: string,
    /** Where this owner's workspaces and temporary files go; removed with the owner. */
    readonly workspaceRoot: string,
  ) {}

  /** Records this process as an owner of builds in `dataDir`, with a workspace root of its own. */
  static async register(dataDir: string): Promise<BuildProcessGroups> {
    const owners = path.join(dataDir, OWNERS_DIRECTORY);
    await mkdir(owners, { recursive: true, mode: 0o700 });
    const directory = await mkdtemp(path.join(owners, `${process.pid}-`));
    await mkdir(path.join(directory, 'builds'));
    const workspaceRoot = path.join(os.tmpdir(), `sluice-workspaces-${process.pid}-${randomBytes(6).toString('hex')}`);
    // Recorded before it exists, so that a crash at any point leaves nothing that is not recorded.
    const owner: OwnerRecord = { pid: process.pid, startTime: (await processStatus(process.pid))?.startTime, workspaceRoot };
    await writeFile(path.join(directory, 'owner.json'), JSON.stringify(owner), { mode: 0o600 });
    await mkdir(workspaceRoot, { mode: 0o700 });
    return new BuildProcessGroups(directory, workspaceRoot);
  }

  async track(): Promise<TrackedBuild> {
    const marker = randomUUID();
    const record = path.join(this.directory, 'builds', `${marker}.json`);
    await writeFile(record, JSON.stringify({ marker } satisfies BuildRecord));
    let watcher: ReturnType<typeof watchOwner> | undefined;
    return {
      environment: { [BUILD_MARKER_VARIABLE]: marker },
      started: async (groupId) => {
        const leaderStartTime = (await processStatus(groupId))?.startTime;
        await writeFile(record, JSON.stringify({ marker, groupId, leaderStartTime } satisfies BuildRecord));
        watcher = watchOwner(groupId);
      },
      ending: () => {
        watcher?.kill('SIGKILL');
        watcher?.stdin.destroy();
        watcher = undefined;
      },
      ended: () => rm(record, { force: true }),
    };
  }

  /** This owner is closing, its builds ended: its records and workspaces go. */
  async release(): Promise<void> {
    await rm(this.workspaceRoot, { recursive: true, force: true });
    await rm(this.directory, { recursive: true, force: true });
  }
}

/**
 * A shell that kills the build's process group when this process dies, however it dies, kill -9
 * included: it waits on a pipe that only this process holds open, and the kernel closes it when
 * this process ends. It needs nothing but `sh`, where `setpriv --pdeathsig` would need Linux and
 * util-linux, and, unlike a death signal, cannot be missed in the moment the owner exits. The
 * owner kills it with SIGKILL, which it cannot trap, before it ends the build itself.
 */
function watchOwner(groupId: number): ChildProcessByStdio<Writable, null, null> {
  // dash's kill takes no `--`; `-KILL` ends the options, and the negative number names the group.
  const watcher = spawn('/bin/sh', ['-c', `trap '' INT HUP TERM; read -r _; kill -KILL -"$1"`, 'sh', String(groupId)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watcher.on('error', () => undefined);
  watcher.stdin.on('error', () => undefined);
  // The watcher must not keep this process alive: its end is the watcher's signal.
  watcher.unref();
  (watcher.stdin as unknown as { unref?: () => void }).unref?.();
  return watcher;
}

/**
 * Ends what the owners of builds in `dataDir` that have died left behind: kills their builds'
 * process groups and removes their workspaces and records. A group is killed only while it is
 * still the build's: its leader has the recorded start time, or one of its processes carries the
 * build's marker. That needs /proc (Linux); elsewhere the watchers alone end the builds. Owners
 * that are alive are left alone. Costs one readdir when no owner has died.
 */
export async function reapDeadOwners(dataDir: string): Promise<void> {
  const owners = path.join(dataDir, OWNERS_DIRECTORY);
  const names = await readdir(owners).catch(() => [] as string[]);
  const dead: { directory: string; owner?: OwnerRecord }[] = [];
  for (const name of names) {
    const directory = path.join(owners, name);
    const owner = await readJson<OwnerRecord>(path.join(directory, 'owner.json'));
    // An owner that died while it registered has no owner.json yet; its name starts with its pid.
    if (await isRunning(owner ?? { pid: Number.parseInt(name, 10) })) continue;
    dead.push({ directory, owner });
  }
  if (dead.length === 0) return;
  const builds = await Promise.all(dead.map(({ directory }) => readBuildRecords(directory)));
  await killBuilds(builds.flat());
  for (const { directory, owner } of dead) {
    if (owner?.workspaceRoot) await rm(owner.workspaceRoot, { recursive: true, force: true });
    await rm(directory, { recursive: true, force: true });
  }
}

async function killBuilds(builds: BuildRecord[]): Promise<void> {
  const self = await processStatus(process.pid);
  if (builds.length === 0 || self === undefined) return;
  for (const build of builds) {
    if (build.groupId === undefined || build.leaderStartTime === undefined) continue;
    const leader = await processStatus(build.groupId);
    if (leader?.startTime === build.leaderStartTime && leader.groupId === build.groupId) signal(-build.groupId);
  }
  // A group whose leader is gone still holds processes that carry the marker, as do any that left it.
  const markers = new Set(builds.map((build) => `${BUILD_MARKER_VARIABLE}=${build.marker}`));
  for (let round = 0; round < 2; round += 1) {
    const marked = await processesCarrying(markers);
    for (const { pid, groupId } of marked) {
      if (groupId !== self.groupId) signal(-groupId);
      signal(pid);
    }
    if (marked.length === 0) break;
  }
}

function signal(target: number): void {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** The processes of this user whose environment holds one of `entries` (`NAME=value`). */
async function processesCarrying(entries: Set<string>): Promise<{ pid: number; groupId: number }[]> {
  const found: { pid: number; groupId: number }[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const environment = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (!environment.split('\0').some((entry) => entries.has(entry))) continue;
    const status = await processStatus(pid);
    if (status && status.state !== 'Z') found.push({ pid, groupId: status.groupId });
  }
  return found;
}

/** /proc/<pid>/stat: the state, process group and start time; undefined without /proc or without the process. */
async function processStatus(pid: number): Promise<{ state: string; groupId: number; startTime: string } | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  // The command name may hold spaces and parentheses; the fields after its closing one are fixed (field 3 on).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0]!, groupId: Number(fields[2]), startTime: fields[19]! };
}

async function isRunning(identity: ProcessIdentity): Promise<boolean> {
  if (!Number.isInteger(identity.pid) || identity.pid <= 0) return false;
  if (identity.startTime === undefined) return isAlive(identity.pid);
  const status = await processStatus(identity.pid);
  return status !== undefined && status.state !== 'Z' && status.startTime === identity.startTime;
}

async function readBuildRecords(ownerDirectory: string): Promise<BuildRecord[]> {
  const directory = path.join(ownerDirectory, 'builds');
  const names = await readdir(directory).catch(() => [] as string[]);
  const records = await Promise.all(names.map((name) => readJson<BuildRecord>(path.join(directory, name))));
  return records.filter((record): record is BuildRecord => typeof record?.marker === 'string');
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
