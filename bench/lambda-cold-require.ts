/**
 * Lambda cold load: how long Node takes to `require` each packaged function's handler file, as a
 * fresh Lambda container does before the first invocation. It runs `osls package --stage ci` (as
 * `npm run package` does), unzips each function's zip from .serverless/ into a temp dir, and times
 * the `require` of its handler in fresh Node processes, the functions taking turns so that a change
 * in the machine's load falls on all of them alike.
 */
import { readFileSync } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import yauzl from 'yauzl';
import YAML from 'yaml';
import { describeMachine } from './support/machine';
import { runProcessOrThrow } from './support/run-process';
import { fixed, median } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

const ROUNDS = 7;
const TARGET_MS = 150;
/** This file runs as dist/bench/lambda-cold-require.cjs. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const PACKAGE_DIR = path.join(PROJECT_ROOT, '.serverless');

interface PackagedFunction {
  name: string;
  /** `functions/tasks/stage-step.handler` */
  handler: string;
  zip: string;
  env: Record<string, string>;
}

interface Manifest {
  provider: { environment: Record<string, unknown> };
  functions: Record<string, { handler: string; environment?: Record<string, unknown> }>;
}

/** serverless.yml; its CloudFormation tags (!Ref, !GetAtt...) stay unresolved: only names and handlers matter here. */
function readManifest(): Manifest {
  return YAML.parse(readFileSync(path.join(PROJECT_ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as Manifest;
}

/**
 * A value for each variable that serverless.yml sets, shaped like the one CloudFormation would
 * give, since some handlers read their environment as they load.
 */
function placeholder(name: string): string {
  if (name === 'PUBLIC_URL') return 'https://api.execute-api.us-east-1.amazonaws.com/';
  if (name === 'PIPELINE_ARN_PREFIX') return 'arn:aws:codepipeline:us-east-1:123456789012:';
  if (name === 'CONNECTIONS') return '{}';
  if (name === 'GITHUB_API_URL') return 'https://api.github.com';
  if (name.endsWith('_ARN')) return `arn:aws:lambda:us-east-1:123456789012:function:${name.toLowerCase()}`;
  return `sluice-ci-${name.toLowerCase()}`;
}

/** The functions of serverless.yml, the zip that `osls package` wrote for each, and the environment Lambda gives each. */
function packagedFunctions(manifest: Manifest): PackagedFunction[] {
  return Object.entries(manifest.functions).map(([name, { handler, environment }]) => {
    const names = Object.keys({ ...manifest.provider.environment, ...environment });
    const env = Object.fromEntries(names.map((variable) => [variable, placeholder(variable)]));
    // NODE_OPTIONS is Lambda's to apply as it is written (--enable-source-maps, say), not a placeholder.
    const nodeOptions = { ...manifest.provider.environment, ...environment }.NODE_OPTIONS;
    if (typeof nodeOptions === 'string') env.NODE_OPTIONS = nodeOptions;
    else delete env.NODE_OPTIONS;
    return { name, handler, zip: path.join(PACKAGE_DIR, `${name}.zip`), env: { ...env, AWS_REGION: 'us-east-1' } };
  });
}

/** Every file of `zip` under `into`, and their total size. */
function unzip(zip: string, into: string): Promise<number> {
  return new Promise((resolve, reject) => {
    yauzl.open(zip, { lazyEntries: true }, (openError, archive) => {
      if (openError) return reject(openError);
      let bytes = 0;
      archive.on('error', reject);
      archive.on('end', () => resolve(bytes));
      archive.on('entry', (entry: yauzl.Entry) => {
        const target = path.join(into, entry.fileName);
        if (entry.fileName.endsWith('/')) return void mkdir(target, { recursive: true }).then(() => archive.readEntry(), reject);
        bytes += entry.uncompressedSize;
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            mkdir(path.dirname(target), { recursive: true })
              .then(() => writeFile(target, Buffer.concat(chunks)))
              .then(() => archive.readEntry(), reject);
          });
        });
      });
      archive.readEntry();
    });
  });
}

/** One fresh Node process, in the function's environment, that requires the handler file and prints how long that took. */
async function requireMs(handlerFile: string, functionEnv: Record<string, string>): Promise<number> {
  const script = `const start = performance.now(); require(${JSON.stringify(handlerFile)}); console.log(performance.now() - start);`;
  const env = { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', ...functionEnv };
  const run = await runProcessOrThrow(process.execPath, ['-e', script], { env });
  return Number(run.stdout.trim());
}

async function main(): Promise<void> {
  console.log(`# Lambda cold load\n\n${describeMachine()}`);
  await runProcessOrThrow('npx', ['osls', 'package', '--stage', 'ci'], { cwd: PROJECT_ROOT });
  const functions = packagedFunctions(readManifest());
  const nodeOptions = functions[0]?.env.NODE_OPTIONS;
  await withTempDir('lambda-cold-require', async (dir) => {
    const unpacked = [];
    for (const fn of functions) {
      const into = path.join(dir, fn.name);
      const unzippedBytes = await unzip(fn.zip, into);
      const handlerFile = path.join(into, `${fn.handler.slice(0, fn.handler.lastIndexOf('.'))}.js`);
      unpacked.push({ ...fn, handlerFile, zipBytes: (await stat(fn.zip)).size, unzippedBytes, times: [] as number[] });
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? unpacked : [...unpacked].reverse();
      for (const fn of order) fn.times.push(await requireMs(fn.handlerFile, fn.env));
    }
    const mib = (bytes: number) => fixed(bytes / 1024 / 1024, 2);
    const rows = unpacked.map((fn) => {
      const ms = median(fn.times);
      return [fn.name, mib(fn.zipBytes), mib(fn.unzippedBytes), fixed(ms), verdict(ms <= TARGET_MS)];
    });
    printSection(
      `require of each packaged handler, median of ${ROUNDS} fresh Node processes (NODE_OPTIONS: ${nodeOptions ?? 'none'}), target ≤ ${TARGET_MS} ms`,
      markdownTable(['function', 'zip MiB', 'unzipped MiB', 'require ms', ''], rows),
    );
    const missed = unpacked.filter((fn) => median(fn.times) > TARGET_MS).map((fn) => fn.name);
    if (missed.length > 0) process.exitCode = 1;
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
