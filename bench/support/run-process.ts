import { spawn } from 'node:child_process';
import { now } from './stats';

export interface OutputLine {
  text: string;
  /** When the line arrived, in ms after the process was started. */
  atMs: number;
}

export interface ProcessRun {
  exitCode: number;
  ms: number;
  /** Date.now() when the process was started, to line up with times the process writes itself. */
  startedAtEpochMs: number;
  stdout: string;
  stderr: string;
  /** stdout, line by line, with arrival times: where a process's time goes, seen from outside. */
  stdoutLines: OutputLine[];
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a program to its end and returns its output and wall time. Output is collected, not shown:
 * a benchmark prints only its tables.
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const startedAtEpochMs = Date.now();
    const start = now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const stdoutLines: OutputLine[] = [];
    let partialLine = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      const atMs = now() - start;
      const lines = (partialLine + chunk.toString('utf8')).split('\n');
      partialLine = lines.pop()!;
      for (const text of lines) stdoutLines.push({ text, atMs });
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const ms = now() - start;
      if (partialLine) stdoutLines.push({ text: partialLine, atMs: ms });
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        ms,
        startedAtEpochMs,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        stdoutLines,
      });
    });
  });
}

/** Like `runProcess`, but a non-zero exit is an error that shows what the program said. */
export async function runProcessOrThrow(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessRun> {
  const run = await runProcess(command, args, options);
  if (run.exitCode !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${run.exitCode}\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}
