import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './fixtures';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `sluice` bin, as a user would. */
export function sluice(args: string[], options: { cwd?: string } = {}): CliResult {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist/sluice.cjs'), ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
