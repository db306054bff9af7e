import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const git = (dir: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, stdio: 'pipe' })
    .toString()
    .trim();

/** A real git repository on branch main with one commit holding `files`; returns its path and commit. */
export function gitRepository(files: Record<string, string>, message = 'first commit'): { dir: string; commit: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-repo-'));
  git(dir, 'init', '-q');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content, { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return { dir, commit: git(dir, 'rev-parse', 'HEAD') };
}

/** Commits to the repository at `dir`: writes `files`, then runs each of `moves` (git mv from, to) and `removals` (git rm); returns the new commit. */
export function commitChanges(
  dir: string,
  change: { files?: Record<string, string>; moves?: [string, string][]; removals?: string[] },
  message = 'a change',
): string {
  for (const [name, content] of Object.entries(change.files ?? {})) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  for (const [from, to] of change.moves ?? []) git(dir, 'mv', from, to);
  for (const name of change.removals ?? []) git(dir, 'rm', '-q', name);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}
