// @ts-check
/*
 * The layers of Sluice, as lib/ and functions/ hold them. An arrow is "may import".
 *
 *   functions, cli ──> compose ──> adapters/<family> ──> ports, core, and their own family
 *          │              │
 *          v              v
 *         api ──> operations ──> execution ──> actions ──> buildspec ──> artifacts ──> ports ──> core
 *
 * On the bottom row a layer may import every layer to its right. Entry points (functions, cli) and
 * compose may import the whole row; compose alone wires adapters in (cli opens the data dir's lock
 * itself, and a handler reads its AWS event in the AWS adapter's shape). Adapters implement the
 * ports and never reach up into execution, operations, api or compose; the local family's CodeBuild
 * also runs the buildspec engine and moves artifacts.
 *
 * - core: pure. It imports only core, and of packages only zod, yaml and picomatch: no SDK, no
 *   node: modules but node:crypto, whose hashes are computation, not I/O.
 * - ports: the interfaces the layers above depend on; core's types, and node's types (a stream).
 * - artifacts: artifact zips and action logs in the artifact bucket, over the BlobStore port.
 * - buildspec (lib/actions/codebuild): the CodeBuild buildspec engine that the Commands action and
 *   the local CodeBuild share.
 * - actions: one module per provider, and the registry.
 * - execution: the steps a pipeline's Tasks run, and what starts executions.
 * - operations: CodePipeline's API over the execution steps; api: that API over HTTP.
 * - Only adapters/aws, compose, actions and api's SigV4 check use the AWS SDK and Smithy (the
 *   embedded stack names the SDK's client configuration types). A provider that deploys to an AWS
 *   service speaks that service's API: its module sends the SDK's commands, on clients that
 *   compose builds for it (the AwsClients port), so the runtime decides whom they reach.
 */
import eslint from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** The bottom row of the diagram, from the top layer down. */
const ROW = ['api', 'operations', 'execution', 'actions', 'buildspec', 'artifacts', 'ports', 'core'];
const LAYERS = [...ROW, 'adapters', 'compose', 'cli', 'functions'];

/** Local dependencies of one layer on the layers named. */
const mayImport = (from, to) => ({ from: { element: { type: from } }, allow: { to: { element: { types: { anyOf: to } } } } });

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', '.serverless/', '.esbuild/', '.sluice/', 'examples/', '**/*.cjs'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.lint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Values parsed from JSON and YAML are narrowed by zod or by the test's assertions; flagging
      // every access to them would add casts, not safety.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      // An async method that does not await yet still keeps its port's Promise contract, and a
      // throw in it still becomes a rejection.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `typeof import('…')` types the modules a test loads afresh, after it has set the environment.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
    },
  },
  // Type-aware rules (floating and misused promises above all) cost a program build; they run on
  // the shipped code, and the tests, which are half the files, get the syntactic rules only.
  {
    files: ['eslint.config.mjs', 'test/**', 'console/vite.config.mts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  // The console runs in a browser, with its own program: the DOM's types and Preact's JSX.
  {
    files: ['console/src/**'],
    languageOptions: { parserOptions: { project: './console/tsconfig.json', tsconfigRootDir: import.meta.dirname } },
  },
  {
    files: ['test/**'],
    rules: {
      // jest.isolateModules loads a module afresh with require(), after the test sets its environment.
      '@typescript-eslint/no-require-imports': 'off',
      // Event fixtures are JSON of AWS's shapes, which the tests read field by field.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['lib/**/*.ts', 'functions/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js', '.json'] } },
      'boundaries/elements': [
        { type: 'buildspec', pattern: 'lib/actions/codebuild', partialMatch: false },
        { type: 'adapters', pattern: 'lib/adapters/*', capture: ['family'], partialMatch: false },
        ...LAYERS.filter((layer) => !['buildspec', 'adapters', 'functions'].includes(layer)).map((layer) => ({
          type: layer,
          pattern: `lib/${layer}`,
          partialMatch: false,
        })),
        { type: 'functions', pattern: 'functions', partialMatch: false },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          checkAllOrigins: true,
          policies: [
            // Within a layer, anything goes; the rule is about the arrows between them.
            { allow: { dependency: { relationship: { to: 'internal' } } } },
            ...ROW.map((layer, index) => mayImport(layer, ROW.slice(index))),
            mayImport('compose', ['adapters', ...ROW]),
            mayImport('cli', ['compose', 'adapters', ...ROW]),
            mayImport('functions', ['compose', ...ROW]),
            // Local runs call the very handlers Lambda runs, middy chain included: the local
            // composition builds them, as the AWS one builds them for Lambda.
            {
              from: { file: { path: 'lib/compose/local-task-handlers.ts' } },
              allow: { to: { file: { path: 'functions/tasks/*.ts' } } },
            },
            // A handler reads the AWS event it is given in the shape the AWS adapter defines.
            {
              from: { element: { type: 'functions' } },
              allow: { to: { element: { type: 'adapters', captured: { family: 'aws' } } } },
            },
            {
              from: { element: { type: 'adapters' } },
              allow: {
                to: [{ element: { types: { anyOf: ['ports', 'core'] } } }, { element: { type: 'adapters', captured: { family: '{{from.captured.family}}' } } }],
              },
            },
            // The local CodeBuild runs a StartBuild request with the buildspec engine, and moves
            // its artifacts and its log with the artifact store.
            {
              from: { element: { type: 'adapters', captured: { family: 'local' } } },
              allow: { to: { element: { types: { anyOf: ['buildspec', 'artifacts'] } } } },
            },
            // SigV4 verification and path parameter decoding are HTTP checks that the local
            // servers share with api; they are to move below both.
            {
              from: { element: { type: 'adapters', captured: { family: 'local' } } },
              allow: { to: { file: { path: ['lib/api/request-signature.ts', 'lib/api/path-parameter.ts'] } } },
            },
            // Packages: core takes only its three; ports take node's types and Lambda's event
            // shapes (the HTTP API's contract); the AWS SDK and Smithy are for adapters/aws,
            // compose, the providers that deploy to AWS, and api's SigV4 check.
            { from: { element: { type: 'core' } }, allow: { to: { module: { origin: 'external', source: ['zod', 'yaml', 'picomatch'] } } } },
            { from: { element: { type: 'core' } }, allow: { to: { module: { origin: 'core', source: 'node:crypto' } } } },
            { from: { element: { type: 'ports' } }, allow: { to: { module: { origin: 'core' } }, dependency: { kind: 'type' } } },
            { from: { element: { type: 'ports' } }, allow: { to: { module: { origin: 'external', source: 'aws-lambda' } }, dependency: { kind: 'type' } } },
            {
              from: { element: { types: { noneOf: ['core', 'ports'] } } },
              allow: { to: { module: { origin: ['external', 'core'] } } },
            },
            {
              from: [
                { element: { types: { noneOf: ['adapters', 'compose', 'api', 'actions'] } } },
                { element: { type: 'adapters', captured: { family: '!aws' } } },
                { element: { type: 'api' }, file: { path: '!lib/api/request-signature.ts' } },
              ],
              disallow: { to: { module: { origin: 'external', source: ['@aws-sdk/*', '@smithy/*'] } }, dependency: { kind: 'value' } },
            },
          ],
        },
      ],
    },
  },
  prettier,
);
