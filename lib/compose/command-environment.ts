import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import os from 'node:os';

/**
 * What a command run in the action runner sees of the function's own environment. Lambda's
 * locale, time zone, paths and region; never the role's credentials (AWS_ACCESS_KEY_ID and the
 * rest, AWS_CONTAINER_CREDENTIALS_*), Sluice's own settings (tables, secrets), nor AWS_LAMBDA_*,
 * which a command has no use for. An allow-list: a variable Lambda adds one day stays out.
 */
const PASSED_TO_COMMANDS = ['PATH', 'LANG', 'TZ', 'LD_LIBRARY_PATH', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'HOME'] as const;

/** The variables of every AWS credential source the SDK reads from the environment. */
const CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'AWS_SECURITY_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
];

/** The environment a Commands action starts from in Lambda, before its own variables. */
export function commandEnvironmentOnLambda(env: NodeJS.ProcessEnv): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const name of PASSED_TO_COMMANDS) {
    const value = env[name];
    if (value !== undefined) passed[name] = value;
  }
  // Lambda sets no HOME; tools that keep caches there (npm, pip, git) need one they can write.
  passed.HOME ??= os.tmpdir();
  return passed;
}

/**
 * Wipes the credentials from this process's environment as the kernel shows it in
 * /proc/<pid>/environ: the block of "NAME=value" strings the process started with, which any
 * process of the same user may read, a command run here included. Node's process.env keeps
 * working: each variable is set again first, which makes the C library hold a copy of its own
 * and no longer point into that block. A process may write its own memory through
 * /proc/self/mem. Linux only, as Lambda is.
 *
 * What this does not close: the copies in the process's memory, where the SDK needs them, are
 * still readable through /proc/<pid>/mem by a process of the same user wherever the kernel lets
 * one trace another (no Yama restriction). Only running commands as another user, or elsewhere
 * (CodeBuild), closes that.
 */
export function wipeCredentialsFromStartEnvironment(): void {
  for (const name of CREDENTIAL_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) process.env[name] = value;
  }
  try {
    wipeFromBlock(startEnvironmentAddress(), readFileSync('/proc/self/environ'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`The commands were not run: the function's credentials could not be wiped from /proc/self/environ (${reason}).`, { cause: error });
  }
}

/** Overwrites with zeros each credential's "NAME=value" in the block that starts at `start`. */
function wipeFromBlock(start: number, block: Buffer): void {
  const memory = openSync('/proc/self/mem', 'r+');
  try {
    for (let offset = 0; offset < block.length;) {
      const terminator = block.indexOf(0, offset);
      const end = terminator === -1 ? block.length : terminator;
      const entry = block.subarray(offset, end);
      const name = entry.subarray(0, Math.max(entry.indexOf(0x3d), 0)).toString('latin1');
      if (CREDENTIAL_VARIABLES.includes(name)) writeSync(memory, Buffer.alloc(entry.length), 0, entry.length, start + offset);
      offset = end + 1;
    }
  } finally {
    closeSync(memory);
  }
}

/** Where the start environment block lies: field 50 of /proc/self/stat, env_start (proc(5)). */
function startEnvironmentAddress(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1');
  // Fields are counted from the process's state, the third, which follows the command's ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const address = Number(fields[50 - 3]);
  if (!Number.isSafeInteger(address) || address <= 0) throw new Error(`/proc/self/stat gives no start of the environment: ${stat}`);
  return address;
}
