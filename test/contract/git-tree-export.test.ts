import { execFileSync } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportCommitTree } from '../../lib/actions/git-tree-export';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd }).toString().trim();

/** Every path below `directory`, with what it is: a file's mode and text, or a link's target. */
async function describeTree(directory: string): Promise<Record<string, string>> {
  const described: Record<string, string> = {};
  for (const name of (await readdir(directory, { recursive: true })).sort()) {
    const file = path.join(directory, name);
    const stats = await lstat(file);
    if (stats.isSymbolicLink()) described[name] = `link to ${await readlink(file)}`;
    else if (stats.isFile()) described[name] = `${(stats.mode & 0o777).toString(8)} ${await readFile(file, 'utf8')}`;
  }
  return described;
}

describe('exportCommitTree', () => {
  let root: string;
  let repository: string;
  let first: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sluice-git-export-'));
    repository = path.join(root, 'repository');
    await mkdir(path.join(repository, 'src', 'deep'), { recursive: true });
    await writeFile(path.join(repository, 'README.md'), 'first\n');
    await writeFile(path.join(repository, 'src', 'deep', 'main.js'), 'export const main = 1;\n');
    await writeFile(path.join(repository, 'build.sh'), '#!/bin/sh\necho built\n', { mode: 0o755 });
    await symlink('src/deep/main.js', path.join(repository, 'main-link.js'));
    git(root, 'init', '--quiet', '--initial-branch', 'main', repository);
    git(repository, 'add', '.');
    git(repository, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '-m', 'first');
    first = git(repository, 'rev-parse', 'HEAD');
    // A later commit and uncommitted changes, which the export of the first commit must not show.
    await writeFile(path.join(repository, 'README.md'), 'second\n');
    git(repository, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', 'commit', '--quiet', '-am', 'second');
    await writeFile(path.join(repository, 'README.md'), 'not committed\n');
  });

  afterAll(() => rm(root, { recursive: true, force: true }));

  const expected = {
    'README.md': '644 first\n',
    'build.sh': '755 #!/bin/sh\necho built\n',
    'main-link.js': 'link to src/deep/main.js',
    'src/deep/main.js': '644 export const main = 1;\n',
  };

  it('writes the tree of a commit with the git program, leaving the repository as it was', async () => {
    const directory = path.join(root, 'with-git');
    await mkdir(directory);
    const index = await readFile(path.join(repository, '.git', 'index'));
    await exportCommitTree(repository, first, directory);
    expect(await describeTree(directory)).toEqual(expected);
    expect(await readFile(path.join(repository, '.git', 'index'))).toEqual(index);
    expect(await readFile(path.join(repository, 'README.md'), 'utf8')).toBe('not committed\n');
  });

  it('writes the same tree with isomorphic-git where the git program is not installed', async () => {
    const directory = path.join(root, 'without-git');
    await mkdir(directory);
    await exportCommitTree(repository, first, directory, path.join(root, 'no-such-git'));
    expect(await describeTree(directory)).toEqual(expected);
  });

  it('says which commit git could not write', async () => {
    const directory = path.join(root, 'missing-commit');
    await mkdir(directory);
    await expect(exportCommitTree(repository, 'f'.repeat(40), directory)).rejects.toThrow(`git could not write the tree of ${'f'.repeat(40)}`);
  });
});
