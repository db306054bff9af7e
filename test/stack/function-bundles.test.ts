import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import YAML from 'yaml';
import { ROOT } from '../support/fixtures';

interface Manifest {
  custom: {
    esbuild: { target: string; platform: 'node'; format: 'cjs'; mainFields: string[]; minifyWhitespace: boolean; minifySyntax: boolean; plugins: string };
  };
  functions: Record<string, { handler: string }>;
}

// CloudFormation's tags (!Ref, !GetAtt...) stay unresolved: only the handlers and esbuild's settings are read.
const manifest = YAML.parse(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as Manifest;

/** The SDK clients and libraries that only the providers' run code, the rules and CodeBuild's builds use (lib/compose/aws-actions.ts). */
const RUNNING_ACTIONS = [
  '@aws-sdk/client-ecs',
  '@aws-sdk/client-ecr',
  '@aws-sdk/client-cloudformation',
  '@aws-sdk/client-codedeploy',
  '@aws-sdk/client-codebuild',
  '@aws-sdk/client-cloudwatch',
  // isomorphic-git's inflate and deflate: its own code is left out too, but for its 168-byte HTTP adapter.
  'pako',
  // The S3 deploy's content types, and the local build's test reports and process trees (Commands rules).
  'mime-types',
  'fast-xml-parser',
  'tree-kill',
];

/** What starts Lambda invoke actions' functions and narrows their artifact sessions (lib/compose/aws-jobs.ts). */
const STARTING_JOBS = ['@aws-sdk/client-lambda', '@aws-sdk/client-sts'];

/** What presigns the console's downloads of artifacts: the http function's alone (lib/compose/aws-console.ts). */
const PRESIGNING_DOWNLOADS = ['@aws-sdk/s3-request-presigner'];

/**
 * The packages that a function's composition never reaches, and so must not weigh on its cold
 * start. The action runner is missing here: it runs every provider's code.
 */
const NOT_BUNDLED: Record<string, readonly string[]> = {
  // It records each event in the execution table, once (Powertools idempotency).
  eventRecorder: [
    'zod',
    'yaml',
    'isomorphic-git',
    '@aws-sdk/client-s3',
    '@aws-sdk/lib-storage',
    '@aws-sdk/client-sfn',
    '@aws-sdk/client-sns',
    '@aws-sdk/client-secrets-manager',
    '@aws-sdk/client-eventbridge',
    '@aws-sdk/client-lambda',
    '@aws-sdk/client-codebuild',
    ...PRESIGNING_DOWNLOADS,
  ],
  // It reads executions and the hosts' tokens, and parses the connections (zod).
  commitStatus: [
    'yaml',
    'isomorphic-git',
    '@aws-sdk/client-s3',
    '@aws-sdk/lib-storage',
    '@aws-sdk/client-sfn',
    '@aws-sdk/client-sns',
    '@aws-sdk/client-eventbridge',
    '@aws-sdk/client-lambda',
    '@aws-sdk/client-codebuild',
    '@aws-lambda-powertools/idempotency',
    ...PRESIGNING_DOWNLOADS,
  ],
  // These compile pipelines against the providers' specs, and run no action.
  stageStep: [...RUNNING_ACTIONS, ...STARTING_JOBS, ...PRESIGNING_DOWNLOADS],
  executionReconciler: [...RUNNING_ACTIONS, ...STARTING_JOBS, ...PRESIGNING_DOWNLOADS],
  sourceTrigger: [...RUNNING_ACTIONS, ...STARTING_JOBS, ...PRESIGNING_DOWNLOADS],
  pipelineRegistration: [...RUNNING_ACTIONS, ...STARTING_JOBS, ...PRESIGNING_DOWNLOADS],
  // It reads the polled sources' latest revisions, CodeCommit's with git, and runs no action.
  sourcePoll: [...RUNNING_ACTIONS.filter((name) => name !== 'pako'), ...STARTING_JOBS, ...PRESIGNING_DOWNLOADS],
  // These queue custom actions' jobs, or take their results, and run no action.
  approvalRequest: [...RUNNING_ACTIONS, ...PRESIGNING_DOWNLOADS],
  http: RUNNING_ACTIONS,
};

/** What compiling and validating pipelines, and storing their artifacts, load: zod, yaml, croner, the stores' clients and the zip libraries. */
const COMPOSING = ['zod', 'yaml', 'croner', 'picomatch', 'yazl', 'yauzl', '@aws-sdk/client-dynamodb', '@aws-sdk/client-s3', '@aws-sdk/client-sfn'];

/** What CodeCommit's sources clone and poll with: isomorphic-git, and pako, its inflate and deflate. */
const GIT = ['isomorphic-git', 'pako'];

/**
 * What each handler file may not evaluate as it loads, and must bundle for later: the action
 * runner loads each step's module when that step first runs, and with it the providers, the rules
 * and their packages; the http function loads each route's modules when the route first runs, the
 * source poll its composition with its first look.
 */
const LOADED_ON_FIRST_USE: Record<string, readonly string[]> = {
  actionRunner: [...COMPOSING, ...GIT, ...RUNNING_ACTIONS],
  http: [...COMPOSING, ...STARTING_JOBS, ...PRESIGNING_DOWNLOADS],
  sourcePoll: [...COMPOSING, ...GIT],
};

/**
 * What a module of a function's composition may not evaluate as it loads: the source poll loads each
 * polled provider's code when a source of its kind is first polled, CodeCommit's with git.
 */
const LOADED_BY_PROVIDER: Record<string, { composition: string; loadedLater: readonly string[] }> = {
  sourcePoll: { composition: 'lib/compose/aws-source-poll.ts', loadedLater: GIT },
};

type Metafile = NonNullable<Awaited<ReturnType<typeof build>>['metafile']>;

/** The plugins that serverless.yml names, as serverless-esbuild loads them. */
const plugins = require(path.join(ROOT, manifest.custom.esbuild.plugins)) as Plugin[];

const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];

const bundles = new Map<string, Promise<Metafile>>();

/** The function's bundle, built as serverless-esbuild builds it (once per function). */
function bundleOf(functionName: string): Promise<Metafile> {
  const { handler } = manifest.functions[functionName]!;
  const { target, platform, format, mainFields, minifyWhitespace, minifySyntax } = manifest.custom.esbuild;
  if (!bundles.has(functionName)) {
    const built = build({
      entryPoints: [path.join(ROOT, `${handler.slice(0, handler.lastIndexOf('.'))}.ts`)],
      bundle: true,
      platform,
      target,
      format,
      mainFields,
      minifyWhitespace,
      minifySyntax,
      plugins,
      write: false,
      metafile: true,
      outfile: path.join(ROOT, '.esbuild', `${functionName}.js`),
      logLevel: 'silent',
    });
    bundles.set(
      functionName,
      built.then(({ metafile }) => metafile),
    );
  }
  return bundles.get(functionName)!;
}

/** The files whose code is in the function's bundle. */
async function bundledInputs(functionName: string): Promise<string[]> {
  const metafile = await bundleOf(functionName);
  return Object.values(metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([input]) => input),
  );
}

/** The packages whose code is in the function's bundle. */
async function bundledPackages(functionName: string): Promise<Set<string>> {
  return new Set((await bundledInputs(functionName)).map(packageOf).filter((name) => name !== undefined));
}

/**
 * The packages that a module of the bundle (the handler file unless named) evaluates as it loads:
 * those its static imports reach, and whose code esbuild kept. A module reached only through
 * `await import()` stays in the bundle, but esbuild evaluates it when the import runs.
 */
async function packagesLoadedOnRequire(functionName: string, from?: string): Promise<Set<string>> {
  const { inputs, outputs } = await bundleOf(functionName);
  const output = Object.values(outputs)[0]!;
  const reached = new Set([from ?? output.entryPoint!]);
  for (const input of reached) {
    for (const { path: imported, kind } of inputs[input]?.imports ?? []) {
      if (kind !== 'dynamic-import') reached.add(imported);
    }
  }
  const evaluated = [...reached].filter((input) => (output.inputs[input]?.bytesInOutput ?? 0) > 0);
  return new Set(evaluated.map(packageOf).filter((name) => name !== undefined));
}

describe("each function's bundle", () => {
  it.each(Object.entries(NOT_BUNDLED))(
    '%s leaves out the packages it never reaches',
    async (functionName, notBundled) => {
      const bundled = await bundledPackages(functionName);
      // The scan sees packages: every function records in DynamoDB.
      expect(bundled).toContain('@aws-sdk/client-dynamodb');
      expect(notBundled.filter((name) => bundled.has(name))).toEqual([]);
    },
    // esbuild bundles a function in about 2 s on 2 quiet cores, many times that on a loaded one.
    120_000,
  );

  it.each(Object.keys(manifest.functions))(
    "%s holds the AWS SDK's ES module builds, which esbuild trims to the commands it sends",
    async (functionName) => {
      const inputs = await bundledInputs(functionName);
      expect(inputs.filter((input) => /node_modules\/@aws-sdk\/client-[^/]+\/dist-es\//.test(input))).not.toEqual([]);
      expect(inputs.filter((input) => /node_modules\/@aws-sdk\/[^/]+\/dist-cjs\//.test(input))).toEqual([]);
    },
    120_000,
  );

  it.each(Object.entries(LOADED_ON_FIRST_USE))(
    '%s evaluates none of the packages it loads on first use as it loads',
    async (functionName, loadedLater) => {
      const bundled = await bundledPackages(functionName);
      const loaded = await packagesLoadedOnRequire(functionName);
      // Each is in the bundle, so that the step that needs it finds it.
      expect(loadedLater.filter((name) => !bundled.has(name))).toEqual([]);
      expect(loadedLater.filter((name) => loaded.has(name))).toEqual([]);
    },
    120_000,
  );

  it.each(Object.entries(LOADED_BY_PROVIDER))(
    "%s's composition evaluates none of the packages that a provider's code loads",
    async (functionName, { composition, loadedLater }) => {
      const bundled = await bundledPackages(functionName);
      const loaded = await packagesLoadedOnRequire(functionName, composition);
      // The composition is in the bundle, and evaluates the stores' clients.
      expect(loaded).toContain('@aws-sdk/client-dynamodb');
      expect(loadedLater.filter((name) => !bundled.has(name))).toEqual([]);
      expect(loadedLater.filter((name) => loaded.has(name))).toEqual([]);
    },
    120_000,
  );

  it.each(Object.keys(manifest.functions))(
    "%s holds zod's English messages alone of its locales",
    async (functionName) => {
      // The plugin's English-only index is not a file of zod's.
      const locales = (await bundledInputs(functionName)).filter((input) => /^node_modules\/zod\/.*\/locales\//.test(input));
      expect(locales.filter((input) => !input.endsWith('/locales/en.js'))).toEqual([]);
    },
    120_000,
  );

  it("keeps zod's messages as zod gives them, in English", async () => {
    const source = `const { z } = require('zod'); const result = z.object({ name: z.string().min(3) }).safeParse({ name: 1 }); console.log(JSON.stringify(z.prettifyError(result.error)));`;
    const { target, platform, format, mainFields } = manifest.custom.esbuild;
    const outfile = path.join(await mkdtemp(path.join(tmpdir(), 'sluice-zod-bundle-')), 'zod-messages.js');
    await build({
      stdin: { contents: source, resolveDir: ROOT, loader: 'js' },
      bundle: true,
      platform,
      target,
      format,
      mainFields,
      plugins,
      outfile,
      logLevel: 'silent',
    });
    const bundled = execFileSync(process.execPath, [outfile]).toString();
    await rm(path.dirname(outfile), { recursive: true, force: true });
    const unbundled = execFileSync(process.execPath, ['-e', source], { cwd: ROOT }).toString();
    expect(bundled).toBe(unbundled);
    expect(JSON.parse(bundled)).toMatch(/expected string/i);
  });

  it('names functions that serverless.yml has', () => {
    expect(Object.keys(manifest.functions)).toEqual(
      expect.arrayContaining([...Object.keys(NOT_BUNDLED), ...Object.keys(LOADED_ON_FIRST_USE), ...Object.keys(LOADED_BY_PROVIDER)]),
    );
  });
});
