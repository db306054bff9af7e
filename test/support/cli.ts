import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import type { ExecutionDetail } from '../../lib/operations/sluice-api';
import { ROOT } from './fixtures';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `sluice` bin, as a user would. */
export function sluice(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'dist/sluice.cjs'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The installation's credentials, as `sluice credentials` prints them for the data dir. */
export function printedCredentials(dataDir: string): { accessKeyId: string; secretAccessKey: string } {
  const printed = sluice(['credentials', '--data-dir', dataDir]).stdout;
  return {
    accessKeyId: /^export AWS_ACCESS_KEY_ID=(\S+)$/m.exec(printed)![1]!,
    secretAccessKey: /^export AWS_SECRET_ACCESS_KEY=(\S+)$/m.exec(printed)![1]!,
  };
}

/** Writes `declaration` to `<dir>/<name>.json`; returns the file. */
export function writeDeclaration(dir: string, declaration: PipelineDeclaration): string {
  const file = path.join(dir, `${declaration.name}.json`);
  writeFileSync(file, JSON.stringify(declaration));
  return file;
}

/** Writes `declaration` to `<dataDir>/<name>.json` and creates the pipeline from it; returns the file. */
export function createPipeline(dataDir: string, declaration: PipelineDeclaration): string {
  const file = writeDeclaration(dataDir, declaration);
  expect(sluice(['create-pipeline', file, '--data-dir', dataDir]).code).toBe(0);
  return file;
}

export interface RunningCli {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `pattern` in stdout and stderr together. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
  /** Sends SIGINT, as Ctrl-C does, and resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

const started = new Set<ChildProcess>();

/** Kills every `sluice` a test started and left running, as a failed test may. */
export function killStartedSluice(): void {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  started.clear();
}

/** Starts `sluice` in the background, for tests that interrupt it or talk to it while it runs. */
export function startSluice(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunningCli {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/sluice.cjs'), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exit,
    interrupt: () => {
      child.kill('SIGINT');
      return exit;
    },
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (!match) return;
          cleanup();
          resolve(match);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Timed out waiting for ${pattern}; output so far:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exit.then(() =>
          setTimeout(() => {
            if (listeners.has(check)) {
              cleanup();
              reject(new Error(`sluice exited before printing ${pattern}; output:\n${output}`));
            }
          }, 50),
        );
        check();
      }),
  };
}

/** The execution as the loopback execution page of `serve` (at `serveUrl`) gives it, once it has ended. */
export async function finishedExecution(serve: RunningCli, serveUrl: string, executionId: string): Promise<ExecutionDetail> {
  const page = new URL(`/executions/${executionId}`, serveUrl).href;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    // A kept-alive connection that the server closed while idle fails one look; the next looks again.
    const detail = (await fetch(page)
      .then((response) => response.json())
      .catch(() => undefined)) as ExecutionDetail | undefined;
    if (detail && detail.execution.status !== 'InProgress') return detail;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Execution ${executionId} did not end. sluice serve printed:\n${serve.output()}`);
}

/** The first value `probe` gives, polled every 200 ms for `timeoutMs`; giving up names `what` and shows what `serve` printed. */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, serve: RunningCli, timeoutMs = 30_000): Promise<T> {
  for (let attempt = 0; attempt < timeoutMs / 200; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Gave up waiting for ${what}. sluice serve printed:\n${serve.output()}`);
}

/** `result`, once the command it is of exited 0; otherwise an error with what it printed on stderr. */
export function succeeded<T extends { code: number | null; stderr: string }>(result: T): T {
  if (result.code !== 0) throw new Error(`exited ${result.code}: ${result.stderr}`);
  return result;
}

/** Starting executions and reading their state through the sluice CLI, on the installation at `dataDir`. */
export function sluiceExecutionCommands(dataDir: string) {
  const data = (args: string[]) => [...args, '--data-dir', dataDir];
  return {
    start: async (pipeline: string): Promise<string> => succeeded(sluice(data(['start-pipeline-execution', pipeline]))).stdout.trim(),
    stages: async <S>(pipeline: string): Promise<S[]> => JSON.parse(succeeded(sluice(data(['status', pipeline, '--json']))).stdout).stageStates,
    status: async (pipeline: string, executionId: string): Promise<string> =>
      (
        JSON.parse(succeeded(sluice(data(['executions', pipeline, '--json']))).stdout).pipelineExecutionSummaries as {
          pipelineExecutionId: string;
          status: string;
        }[]
      ).find((summary) => summary.pipelineExecutionId === executionId)!.status,
  };
}
