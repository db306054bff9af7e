/**
 * `npm run bench [-- name...]`: builds the CLI (the example benchmark runs dist/sluice.cjs, and every
 * local installation runs its embedded stack from dist/embedded-stack-worker.cjs), bundles
 * each benchmark as the CLI is bundled, and runs each one in its own Node process, so that one
 * benchmark's memory and loaded modules never weigh on the next.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';

const BENCHMARKS = [
  'orchestration-overhead',
  'example-pipeline',
  'large-artifact',
  'webhook-latency',
  'embedded-transport',
  'webhook-memory',
] as const;
type Benchmark = (typeof BENCHMARKS)[number];

/** This file runs as dist/bench/run.cjs. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

function chosenBenchmarks(names: string[]): Benchmark[] {
  if (names.length === 0) return [...BENCHMARKS];
  const unknown = names.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`No benchmark named ${unknown.join(', ')}. There are: ${BENCHMARKS.join(', ')}.`);
  return names as Benchmark[];
}

/** Bundled like dist/sluice.cjs (same externals), so module loading costs what it costs users. */
async function bundle(name: Benchmark): Promise<string> {
  const outfile = path.join(PROJECT_ROOT, 'dist', 'bench', `${name}.cjs`);
  await build({
    entryPoints: [path.join(PROJECT_ROOT, 'bench', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['dynalite'],
    logLevel: 'warning',
  });
  return outfile;
}

function runOrFail(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: 'inherit', env });
  return result.status ?? 1;
}

async function main(): Promise<void> {
  const chosen = chosenBenchmarks(process.argv.slice(2));
  if (runOrFail('npm', ['run', '--silent', 'build']) !== 0) {
    throw new Error('npm run build failed; the benchmarks need dist/sluice.cjs and the embedded stack\'s worker beside it.');
  }
  // The AWS SDK prints a notice about Node 20 in every process, the CLI's included; it is not a result.
  const env = { ...process.env, NODE_NO_WARNINGS: '1' };
  const failed: Benchmark[] = [];
  for (const name of chosen) {
    console.log(`\n# ${name}`);
    if (runOrFail(process.execPath, [await bundle(name)], env) !== 0) failed.push(name);
  }
  if (failed.length > 0) throw new Error(`Failed: ${failed.join(', ')}.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
