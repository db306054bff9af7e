import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { lastCommit, workingTreeOf } from '../../lib/adapters/local/git-hooks';
import { gitRepository } from '../support/git-repository';

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: dir, stdio: 'pipe' })
    .toString()
    .trim();

describe('lastCommit', () => {
  it("lists a first commit's files as added, on its branch, with no parent", async () => {
    const { dir, commit } = gitRepository({ 'app.txt': 'a', 'src/main.ts': 'b' }, 'first');

    expect(await lastCommit(dir)).toEqual({
      repositoryDir: dir,
      branch: 'main',
      sha: commit,
      parent: undefined,
      message: 'first',
      author: { name: 'Test', email: 'test@example.com' },
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      added: ['app.txt', 'src/main.ts'],
      modified: [],
      removed: [],
    });
  });

  it("lists a merge's changes against its first parent only", async () => {
    const { dir, commit: first } = gitRepository({ 'app.txt': 'a' });
    git(dir, 'checkout', '-q', '-b', 'side');
    writeFileSync(path.join(dir, 'side.txt'), 'side');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'side');
    git(dir, 'checkout', '-q', 'main');
    writeFileSync(path.join(dir, 'app.txt'), 'changed on main');
    git(dir, 'commit', '-q', '-am', 'main');
    git(dir, 'merge', '-q', '--no-edit', 'side');

    const merge = await lastCommit(dir);

    expect(merge).toMatchObject({ branch: 'main', added: ['side.txt'], modified: [], removed: [] });
    expect(merge?.parent).not.toBe(first);
  });

  it('gives nothing for a detached HEAD, which is on no branch', async () => {
    const { dir, commit } = gitRepository({ 'app.txt': 'a' });
    git(dir, 'checkout', '-q', '--detach', commit);

    expect(await lastCommit(dir)).toBeUndefined();
  });
});

describe('workingTreeOf', () => {
  it('is undefined outside a git working tree', async () => {
    expect(await workingTreeOf(mkdtempSync(path.join(tmpdir(), 'sluice-not-git-')))).toBeUndefined();
  });
});
