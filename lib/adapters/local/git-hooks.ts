import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LocalCommit } from '../../core/local-push';

/**
 * Git, as the `git` command sees a repository: its last commit, and its hooks. A hook Sluice
 * wrote carries a marker line, so that it can be replaced without --force and nothing else can.
 */

const run = promisify(execFile);
const HOOK_MARKER = '# Written by sluice hook install.';

async function git(repositoryDir: string, ...args: string[]): Promise<string> {
  return (await run('git', ['-C', repositoryDir, ...args], { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** The working tree's top directory, or undefined when `dir` is not in a git working tree. */
export async function workingTreeOf(dir: string): Promise<string | undefined> {
  try {
    return (await git(dir, 'rev-parse', '--show-toplevel')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** HEAD's commit on its branch; undefined when HEAD is detached, which is no push to a branch. */
export async function lastCommit(repositoryDir: string): Promise<LocalCommit | undefined> {
  const branch = await git(repositoryDir, 'symbolic-ref', '--quiet', '--short', 'HEAD').then(
    (out) => out.trim(),
    () => '',
  );
  if (!branch) return undefined;
  const [sha = '', parents = '', name = '', email = '', timestamp = '', ...message] = (
    await git(repositoryDir, 'log', '-1', '--format=%H%n%P%n%an%n%ae%n%aI%n%B')
  ).split('\n');
  const parent = parents.split(' ').find(Boolean);
  // Against the first parent, as GitHub lists a merge's changes; --root lists a first commit's files as added.
  const changes = await git(repositoryDir, 'diff-tree', '-r', '--no-commit-id', '--name-status', ...(parent ? [parent, sha] : ['--root', sha]));
  const changed = { added: [] as string[], modified: [] as string[], removed: [] as string[] };
  for (const line of changes.split('\n').filter(Boolean)) {
    const [status = '', ...paths] = line.split('\t');
    const file = paths[paths.length - 1]!;
    if (status === 'A') changed.added.push(file);
    else if (status === 'D') changed.removed.push(file);
    else changed.modified.push(file);
  }
  return {
    repositoryDir,
    branch,
    sha,
    parent,
    message: message.join('\n').trim(),
    author: { name, email },
    timestamp,
    ...changed,
  };
}

const quoted = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export class HookExistsError extends Error {}

/**
 * Writes an executable hook that runs `command`. A hook that Sluice did not write is kept unless
 * `force`. Returns the hook's path.
 */
export async function installHook(repositoryDir: string, hookName: string, command: string[], options: { force?: boolean } = {}): Promise<string> {
  // --git-path follows core.hooksPath and worktrees, as git does when it runs hooks.
  const hooksDir = path.resolve(repositoryDir, (await git(repositoryDir, 'rev-parse', '--git-path', 'hooks')).trim());
  const hook = path.join(hooksDir, hookName);
  const existing = await readFile(hook, 'utf8').catch(() => undefined);
  if (existing !== undefined && !existing.includes(HOOK_MARKER) && !options.force) {
    throw new HookExistsError(`${hook} exists and Sluice did not write it; --force replaces it.`);
  }
  await mkdir(hooksDir, { recursive: true });
  // `|| true`: a hook that fails would make git report an error on a commit that was made.
  await writeFile(hook, `#!/bin/sh\n${HOOK_MARKER}\n${command.map(quoted).join(' ')} || true\n`, { mode: 0o755 });
  await chmod(hook, 0o755);
  return hook;
}
