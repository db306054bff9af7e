import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** The CLI tests run the bundled `sluice`, so build it first, as `npm install` does. */
export default function globalSetup(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: path.resolve(__dirname, '../..'), stdio: 'inherit' });
}
