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

/**
 * Parses a buildspec in a worker thread of its own, with bounded memory, stack and time, so that a
 * hostile one that gets past the text limits fails its build and never the process that runs it.
 */
export async function parseBuildspecIsolated(text: string, source: string): Promise<Buildspec> {
  const file = path.join(packageRoot(), BUILDSPEC_WORKER);
  if (!existsSync(file)) throw new Error(`${file} is missing; \`npm run build\` writes it (npm install runs it).`);
  const worker = new Worker(file, { workerData: { text, source } satisfies BuildspecRequest, resourceLimits: WORKER_LIMITS });
  try {
    const reply = await new Promise<BuildspecReply>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new BadInputError(`${source} took longer than ${PARSE_TIMEOUT_MS / 1000} s to parse; it is refused. Simplify it.`)),
        PARSE_TIMEOUT_MS,
      );
      worker.once('message', (message: BuildspecReply) => {
        clearTimeout(timer);
        resolve(message);
      });
      worker.once('error', (error) => {
        clearTimeout(timer);
        reject(
          new BadInputError(`${source} could not be parsed within the memory and stack a buildspec may use (${error.message}); it is refused. Simplify it.`, {
            cause: error,
          }),
        );
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new BadInputError(`${source} could not be parsed: the parser ended (exit code ${code}). Simplify it.`));
      });
    });
    if (!reply.ok) throw new BadInputError(reply.message);
    return reply.buildspec;
  } finally {
    await worker.terminate();
  }
}
