import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import git from 'isomorphic-git';

const run = promisify(execFile);

/**
 * Writes the tree of `commit` from the repository at `dir` (a work tree, or a clone without one)
 * into `directory`, without .git, with file modes and links kept. The git program writes it when
 * it is installed: it is many times faster than isomorphic-git on a tree of many files. Without
 * it, isomorphic-git writes it. `program` is the git program to try.
 */
export async function exportCommitTree(dir: string, commit: string, directory: string, program = 'git'): Promise<void> {
  if (await writtenWithGit(program, dir, commit, directory)) return;
  await exportWithIsomorphicGit(dir, commit, directory);
}

/**
 * `read-tree` into an index of its own, then `checkout-index`: the repository's own index and work
 * tree are never touched. False when `program` is not installed.
 */
async function writtenWithGit(program: string, dir: string, commit: string, directory: string): Promise<boolean> {
  const indexDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-git-index-'));
  const env = { ...process.env, GIT_INDEX_FILE: path.join(indexDir, 'index') };
  const git = (...args: string[]) => run(program, ['-C', dir, `--work-tree=${directory}`, ...args], { env, maxBuffer: 16 * 1024 * 1024 });
  try {
    await git('read-tree', commit);
    await git('checkout-index', '--all');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new Error(`git could not write the tree of ${commit} from ${dir}: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`, {
      cause: error,
    });
  } finally {
    await rm(indexDir, { recursive: true, force: true });
  }
}

async function exportWithIsomorphicGit(dir: string, commit: string, directory: string): Promise<void> {
  await git.walk({
    fs,
    dir,
    trees: [git.TREE({ ref: commit })],
    map: async (filepath, [entry]) => {
      if (!entry || filepath === '.') return true;
      const target = path.join(directory, filepath);
      const type = await entry.type();
      if (type === 'tree') {
        await mkdir(target, { recursive: true });
        return true;
      }
      if (type !== 'blob') return null;
      const mode = await entry.mode();
      const content = (await entry.content())!;
      if (mode === 0o120000) await symlink(Buffer.from(content).toString('utf8'), target);
      else await writeFile(target, content, { mode: mode === 0o100755 ? 0o755 : 0o644 });
      return true;
    },
  });
}
