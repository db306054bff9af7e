import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { AwsTarget } from '../../ports/aws-clients';
import type { BuildProcessTracker, TrackedBuild } from '../../ports/build-processes';
import type { JobFunctions, LambdaJobEvent } from '../../ports/job-functions';

/** Where a function's handler is: a module file, and the name of the function it exports. */
export interface HandlerFile {
  file: string;
  exportName: string;
}

export interface HandlerFileOptions {
  /** The handler of each function that runs here; the others are left to `otherwise`. */
  handlers: () => Promise<ReadonlyMap<string, HandlerFile>>;
  /** What a function's process gets on top of this process's environment: where it reports its job, and as whom. */
  environment: (target: AwsTarget) => Promise<Record<string, string>>;
  /** The functions that have no handler file here. */
  otherwise: JobFunctions;
  /** Records each function's process, as a build's, so that none outlives this process. */
  processes?: BuildProcessTracker;
}

/** A function's process while it runs, by its job. */
interface RunningFunction {
  child: ChildProcess;
  tracked?: TrackedBuild;
}

/**
 * Runs a handler in its own process: the module is imported (ES module or CommonJS), and its
 * export called as Lambda's Node.js runtime calls it, with the event from stdin and a context; an
 * async handler or one that takes a callback. The process ends once the handler has.
 */
const RUNNER = `
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
const [file, name] = process.argv.slice(-2);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const loaded = await import(pathToFileURL(file).href);
const handler = loaded[name] ?? loaded.default?.[name];
if (typeof handler !== 'function') {
  console.error(file + ' exports no function ' + name);
  process.exit(1);
}
const deadline = Date.now() + 900000;
const context = { functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, awsRequestId: randomUUID(), getRemainingTimeInMillis: () => deadline - Date.now() };
try {
  await new Promise((resolve, reject) => {
    const answer = handler(JSON.parse(input), context, (error, value) => (error ? reject(error) : resolve(value)));
    if (answer && typeof answer.then === 'function') answer.then(resolve, reject);
  });
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
`;

/**
 * Lambda invoke actions' functions on this machine: a function mapped to a handler file runs in a
 * child process of its own, as Lambda runs it, without waiting for it (an Event invocation); it
 * reports its job to CodePipeline's API, as on AWS. Its output goes to this process's stderr.
 * Each process leads a process group of its own, tracked as a build's is: ending the job, or this
 * process, ends the group.
 */
export class HandlerFileFunctions implements JobFunctions {
  private readonly running = new Map<string, RunningFunction>();

  constructor(private readonly options: HandlerFileOptions) {}

  async start(functionName: string, event: LambdaJobEvent, target: AwsTarget): Promise<void> {
    const handler = (await this.options.handlers()).get(functionName);
    if (!handler) return this.options.otherwise.start(functionName, event, target);
    const tracked = await this.options.processes?.track();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...(await this.options.environment(target)),
      ...tracked?.environment,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
    };
    // A session token or profile of this process would sign with other credentials than those given.
    delete env.AWS_SESSION_TOKEN;
    delete env.AWS_PROFILE;
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER, '--', handler.file, handler.exportName], {
      env,
      detached: true,
      stdio: ['pipe', process.stderr, process.stderr],
    });
    const jobId = event['CodePipeline.job'].id;
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      await tracked?.ended();
      throw error;
    }
    this.running.set(jobId, { child, tracked });
    child.once('exit', () => {
      this.running.delete(jobId);
      void tracked?.ended();
    });
    await tracked?.started(child.pid!);
    child.stdin.end(JSON.stringify(event));
  }

  async end(jobId: string): Promise<void> {
    const running = this.running.get(jobId);
    if (!running) return;
    const { child, tracked } = running;
    tracked?.ending();
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');
    try {
      // The handler's group: the processes it started end with it.
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone already.
    }
    await exited;
  }
}

/** `<file>:<export>`, or a bare file whose export is `handler`, as Lambda's handler setting names one. */
export function handlerFile(spec: string, resolveFile: (file: string) => string): HandlerFile {
  const colon = spec.lastIndexOf(':');
  // A colon that only ends a drive letter (C:\...) names no export.
  const named = colon > 1;
  return { file: resolveFile(named ? spec.slice(0, colon) : spec), exportName: named ? spec.slice(colon + 1) : 'handler' };
}
