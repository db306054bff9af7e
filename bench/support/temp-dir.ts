import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs `work` with a fresh temporary directory and removes the directory afterwards, also when
 * `work` fails, so a benchmark never leaves hundreds of megabytes behind.
 */
export async function withTempDir<T>(prefix: string, work: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(path.join(os.tmpdir(), `sluice-bench-${prefix}-`));
  try {
    return await work(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
