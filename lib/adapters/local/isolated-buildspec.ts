import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Buildspec } from '../../actions/codebuild/buildspec';
import { BadInputError } from '../../core/errors';
import { packageRoot } from './package-root';

/** The worker's bundle, which `npm run build` writes beside the CLI's. */
const BUILDSPEC_WORKER = path.join('dist', 'buildspec-worker.cjs');

/** Far above what a buildspec within the text limits needs, far below what would hurt the process. */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 };

/** A buildspec within the text limits parses in a few seconds at worst. */
const PARSE_TIMEOUT_MS = 20_000;

export interface BuildspecRequest {
  text: string;
  source: string;
}

export type BuildspecReply = { ok: true; buildspec: Buildspec } | { ok: false; message: string };

/** Idle workers kept for the next builds: two parallel actions' worth. */
const MAX_IDLE_WORKERS = 2;

/**
 * Workers that parsed a buildspec and answered, for the next parse to reuse: starting one and
 * loading its bundle takes around 100 ms, which a build would otherwise wait for each time. A
 * worker that failed, ran out of time or ended is never reused.
 */
const idleWorkers: Worker[] = [];

function takeWorker(): Worker {
  const idle = idleWorkers.pop();
  if (idle) {
    idle.ref();
    return idle;
  }
  const file = path.join(packageRoot(), BUILDSPEC_WORKER);
  if (!existsSync(file)) throw new Error(`${file} is missing; \`npm run build\` writes it (npm install runs it).`);
  return new Worker(file, { resourceLimits: WORKER_LIMITS });
}

function keepWorker(worker: Worker): void {
  if (idleWorkers.length >= MAX_IDLE_WORKERS) {
    void worker.terminate();
    return;
  }
  // An idle worker never keeps the process alive.
  worker.unref();
  idleWorkers.push(worker);
}

/**
 * Parses a buildspec in a worker thread, with bounded memory, stack and time, so that a hostile
 * one that gets past the text limits fails its build and never the process that runs it. Each
 * parse has a worker to itself; one that answered is kept for the next.
 */
export async function parseBuildspecIsolated(text: string, source: string): Promise<Buildspec> {
  const worker = takeWorker();
  let answered = false;
  try {
    const reply = await new Promise<BuildspecReply>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new BadInputError(`${source} took longer than ${PARSE_TIMEOUT_MS / 1000} s to parse; it is refused. Simplify it.`)),
        PARSE_TIMEOUT_MS,
      );
      const settle = () => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      const onMessage = (message: BuildspecReply) => {
        settle();
        resolve(message);
      };
      const onError = (error: Error) => {
        settle();
        reject(
          new BadInputError(`${source} could not be parsed within the memory and stack a buildspec may use (${error.message}); it is refused. Simplify it.`, {
            cause: error,
          }),
        );
      };
      const onExit = (code: number) => {
        settle();
        reject(new BadInputError(`${source} could not be parsed: the parser ended (exit code ${code}). Simplify it.`));
      };
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.postMessage({ text, source } satisfies BuildspecRequest);
    });
    answered = true;
    if (!reply.ok) throw new BadInputError(reply.message);
    return reply.buildspec;
  } finally {
    if (answered) keepWorker(worker);
    else await worker.terminate();
  }
}
