/**
 * `npm run bench [-- [--against <git revision>] name...]`: builds the CLI (the example benchmark
 * runs dist/sluice.cjs, and every local installation runs its embedded stack from
 * dist/embedded-stack-worker.cjs), bundles each benchmark as the CLI is bundled, and runs each one
 * in its own Node process, so that one benchmark's memory and loaded modules never weigh on the next.
 *
 * With `--against`, the same is done in a checkout of that revision too, and each benchmark runs
 * there and here in turn: a change is measured before and after in one run, on one machine's load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const BENCHMARKS = [
  'orchestration-overhead',
  'example-pipeline',
  'large-artifact',
  'webhook-latency',
  'embedded-transport',
  'webhook-memory',
  'lambda-cold-require',
  'local-run',
  'startup',
  'console-render',
] as const;
type Benchmark = (typeof BENCHMARKS)[number];

/** This file runs as dist/bench/run.cjs. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** A tree the benchmarks run from: this checkout, or the revision they are compared against. */
interface Tree {
  label: string;
  root: string;
}

function chosenBenchmarks(names: string[]): Benchmark[] {
  if (names.length === 0) return [...BENCHMARKS];
  const unknown = names.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`No benchmark named ${unknown.join(', ')}. There are: ${BENCHMARKS.join(', ')}.`);
  return names as Benchmark[];
}

/** Bundled like dist/sluice.cjs (same externals), so module loading costs what it costs users. */
async function bundle(tree: Tree, name: Benchmark): Promise<string> {
  const outfile = path.join(tree.root, 'dist', 'bench', `${name}.cjs`);
  await build({
    entryPoints: [path.join(tree.root, 'bench', `${name}.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    // Playwright finds its own files beside its modules, as a bundle could not.
    external: ['dynalite', 'playwright-core'],
    logLevel: 'warning',
  });
  return outfile;
}

function runOrFail(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env });
  return result.status ?? 1;
}

function buildCli(tree: Tree): void {
  if (runOrFail(tree.root, 'npm', ['run', '--silent', 'build']) !== 0) {
    throw new Error(`npm run build failed in ${tree.label}; the benchmarks need dist/sluice.cjs and the embedded stack's worker beside it.`);
  }
}

/** A detached checkout of `revision` in a temp dir, sharing this checkout's node_modules. */
function checkOut(revision: string): Tree {
  const root = mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-against-'));
  if (runOrFail(PROJECT_ROOT, 'git', ['worktree', 'add', '--detach', '--quiet', root, revision]) !== 0) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`git could not check out ${revision}; give a revision of this repository, such as main or HEAD~1.`);
  }
  symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'));
  return { label: revision, root };
}

function removeCheckout(tree: Tree): void {
  runOrFail(PROJECT_ROOT, 'git', ['worktree', 'remove', '--force', tree.root]);
  rmSync(tree.root, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { against: { type: 'string' } }, allowPositionals: true });
  const chosen = chosenBenchmarks(positionals);
  const here: Tree = { label: 'this checkout', root: PROJECT_ROOT };
  const baseline = values.against === undefined ? undefined : checkOut(values.against);
  try {
    const trees = baseline ? [baseline, here] : [here];
    trees.forEach(buildCli);
    // The AWS SDK prints a notice about Node 20 in every process, the CLI's included; it is not a result.
    const env = { ...process.env, NODE_NO_WARNINGS: '1' };
    const failed: string[] = [];
    for (const name of chosen) {
      for (const tree of trees) {
        console.log(baseline ? `\n# ${name} (${tree.label})` : `\n# ${name}`);
        if (runOrFail(tree.root, process.execPath, [await bundle(tree, name)], env) !== 0) failed.push(`${name} (${tree.label})`);
      }
    }
    if (failed.length > 0) throw new Error(`Failed: ${failed.join(', ')}.`);
  } finally {
    if (baseline) removeCheckout(baseline);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
