import fs from 'node:fs';
import { cp, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import git from 'isomorphic-git';
import { packageRoot } from '../adapters/local/package-root';

/** The example's source, shipped in the package. */
export const EXAMPLES_DIR = path.join(packageRoot(), 'examples');

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}

/**
 * Makes a git repository holding the example web app, on branch main, the first time; later runs
 * build whatever has been committed to it since.
 */
export async function ensureExampleRepository(target: string): Promise<{ created: boolean }> {
  if (await exists(path.join(target, '.git'))) return { created: false };
  await cp(path.join(EXAMPLES_DIR, 'webapp'), target, { recursive: true });
  await git.init({ fs, dir: target, defaultBranch: 'main' });
  const files = await readdir(target, { recursive: true, withFileTypes: true });
  for (const file of files) {
    if (!file.isFile()) continue;
    const filepath = path.relative(target, path.join(file.parentPath, file.name)).split(path.sep).join('/');
    if (!filepath.startsWith('.git/')) await git.add({ fs, dir: target, filepath });
  }
  await git.commit({
    fs,
    dir: target,
    message: 'feat: first release of the example site',
    author: { name: 'Sluice example', email: 'example@sluice.invalid' },
  });
  return { created: true };
}
