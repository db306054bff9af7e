import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import YAML from 'yaml';
import { ROOT } from '../support/fixtures';

interface Manifest {
  custom: { esbuild: { target: string; platform: 'node'; format: 'cjs' } };
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

/** The packages whose code is in the function's bundle, built as serverless-esbuild builds it. */
async function bundledPackages(functionName: string): Promise<Set<string>> {
  const { handler } = manifest.functions[functionName]!;
  const { target, platform, format } = manifest.custom.esbuild;
  const { metafile } = await build({
    entryPoints: [path.join(ROOT, `${handler.slice(0, handler.lastIndexOf('.'))}.ts`)],
    bundle: true,
    platform,
    target,
    format,
    write: false,
    metafile: true,
    outfile: path.join(ROOT, '.esbuild', `${functionName}.js`),
    logLevel: 'silent',
  });
  const packages = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
      if (name && bytesInOutput > 0) packages.add(name);
    }
  }
  return packages;
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

  it('names functions that serverless.yml has', () => {
    expect(Object.keys(manifest.functions)).toEqual(expect.arrayContaining(Object.keys(NOT_BUNDLED)));
  });
});
