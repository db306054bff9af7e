import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { gzipSync } from 'node:zlib';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import {
  BatchGetBuildBatchesCommand,
  BatchGetBuildsCommand,
  CodeBuildClient,
  StartBuildBatchCommand,
  StartBuildCommand,
  type Build,
  type BuildBatch,
  type StartBuildBatchCommandInput,
  type StartBuildCommandInput,
} from '@aws-sdk/client-codebuild';
import { actionProviders } from '../../lib/actions/action-providers';
import { providerCatalog } from '../../lib/actions/registry';
import { AwsCodeBuildBuilds, s3LocationOfArn } from '../../lib/adapters/aws/codebuild-builds';
import { LocalStateMachine, type TaskHandler, type TaskHandlers } from '../../lib/adapters/local/local-state-machine';
import type { ExecutionEnd } from '../../lib/ports/engine';
import { compilePipeline, type ExecutionInput } from '../../lib/core/compile';
import { parseDeclarationText } from '../../lib/core/declaration-text';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import type { ActionStepPayload } from '../../lib/core/task-payloads';
import { validatePipeline } from '../../lib/core/validate';
import { openActionLog } from '../../lib/artifacts/action-log';
import { completeBuild, failBuild, prepareBuild } from '../../lib/execution/codebuild-steps';
import { commandsBuildspec } from '../../lib/actions/commands';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import {
  startCodeBuildServer,
  START_BUILD_BATCH_MEMBERS,
  START_BUILD_MEMBERS,
  type BatchBuildOutcome,
  type CodeBuildServer,
  type ProjectOutcome,
} from '../support/codebuild-server';
import { removeDirectory, startTestStack, temporaryDirectory, type TestStack } from '../support/embedded-stack';
import { TEST_ARTIFACT_BUCKET, testExecutionDependencies } from '../support/execution-deps';
import { ROOT } from '../support/fixtures';

const PIPELINES_DIR = path.join(ROOT, 'pipelines');
const SHIPPED = readdirSync(PIPELINES_DIR)
  .filter((file) => file.endsWith('.yml'))
  .sort();

/** What the builds of the projects export, for the actions after them. */
const EXPORTED = { SITE_VERSION: '1.0.7' };
const FAILED_TESTS: ProjectOutcome = {
  status: 'FAILED',
  phase: 'BUILD',
  statusCode: 'COMMAND_EXECUTION_ERROR',
  message: 'Error while executing command: npm test. Reason: exit status 1',
};

function validated(text: string): PipelineDeclaration {
  const parsed = parseDeclarationText(text);
  if (!parsed.ok) throw new Error(parsed.problems.map((problem) => problem.message).join('\n'));
  const validation = validatePipeline(parsed.value, providerCatalog, { runtime: 'aws' });
  if (!validation.ok) throw new Error(validation.problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n'));
  return validation.pipeline;
}

/** The project that runs Commands actions, as the stack's CommandsProject does on AWS. */
const COMMANDS_PROJECT = 'sluice-test-commands';

/** The actions that run as builds: CodeBuild actions on their project, Commands actions on the Commands project. */
const buildActions = (pipeline: PipelineDeclaration) =>
  pipeline.stages.flatMap((stage) =>
    stage.actions
      .filter((action) => ['CodeBuild', 'Commands'].includes(action.actionTypeId.provider))
      .map((action) => ({ stage: stage.name, action, project: action.configuration?.ProjectName ?? COMMANDS_PROJECT })),
  );

/** Step Functions takes Parameters in PascalCase and calls the API with its own (camelCase) names. */
function recase(value: unknown, first: (letter: string) => string): unknown {
  if (Array.isArray(value)) return value.map((entry) => recase(entry, first));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [first(key.charAt(0)) + key.slice(1), recase(entry, first)]));
}
const camelCase = (value: unknown) => recase(value, (letter) => letter.toLowerCase());
const pascalCase = (value: unknown) => recase(value, (letter) => letter.toUpperCase());

/** Pipeline `name`: two Git sources, Src-Main and Src-Lib, as webapp's checkout reads them, then a Build stage of `build`. */
function withTwoSources(webapp: PipelineDeclaration, name: string, build: ActionDeclaration): PipelineDeclaration {
  const source = webapp.stages[0]!.actions[0]!;
  return validated(
    JSON.stringify({
      name,
      pipelineType: 'V2',
      variables: webapp.variables,
      stages: [
        {
          name: 'Source',
          actions: [
            { ...source, namespace: undefined, outputArtifacts: [{ name: 'Src-Main' }] },
            { ...source, name: 'Library', namespace: undefined, outputArtifacts: [{ name: 'Src-Lib' }] },
          ],
        },
        { name: 'Build', actions: [build] },
      ],
    }),
  );
}

interface Run {
  outcome: ExecutionEnd;
  /** The Parameters each CodeBuild Task handed to StartBuild, in order. */
  parameters: Record<string, unknown>[];
  /** What completeBuild and failBuild were given. */
  buildSteps: ActionStepPayload[];
}

let test: TestStack;
let workspaceRoot: string;
let server: CodeBuildServer;
let client: CodeBuildClient;
let deps: ExecutionDependencies;
const projects = new Map<string, ProjectOutcome>();
const batches = new Map<string, BatchBuildOutcome[]>();

beforeAll(async () => {
  workspaceRoot = await temporaryDirectory();
  test = await startTestStack(path.join(workspaceRoot, 'data'));
  server = await startCodeBuildServer(projects, 'us-east-1', batches);
  client = new CodeBuildClient({ endpoint: server.endpoint, region: server.region, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
  const testDeps = await testExecutionDependencies(test, { providers: actionProviders, workspaceRoot });
  deps = { ...testDeps.deps, builds: new AwsCodeBuildBuilds(client), commandsProjectName: COMMANDS_PROJECT };
});

afterAll(async () => {
  client?.destroy();
  await server?.close();
  await test?.stop();
  await removeDirectory(workspaceRoot);
});

beforeEach(() => {
  projects.clear();
  batches.clear();
  server.startBuilds.length = 0;
  server.startBuildBatches.length = 0;
});

/** What each build of a batch writes: a file that names the build and the artifact. */
async function writeBatchArtifacts(batch: BuildBatch): Promise<void> {
  for (const group of batch.buildGroups ?? []) {
    const summary = group.currentBuildSummary!;
    for (const artifact of [{ ...summary.primaryArtifact, identifier: 'primary' }, ...(summary.secondaryArtifacts ?? [])]) {
      if (!artifact.location) continue;
      const directory = path.join(workspaceRoot, 'built', `${group.identifier}-${artifact.identifier}`);
      await mkdir(directory, { recursive: true });
      await writeFile(path.join(directory, 'built.txt'), `${group.identifier} ${artifact.identifier}\n`);
      await deps.artifacts.storeDirectory(s3LocationOfArn(artifact.location)!, directory);
    }
  }
}

/** The files of the artifact at `location`, with their text. */
async function artifactFiles(location: { bucketName: string; objectKey: string }, name: string): Promise<Record<string, string>> {
  const directory = path.join(workspaceRoot, 'fetched', name);
  const files = await deps.artifacts.fetchArtifact(location, directory);
  return Object.fromEntries(await Promise.all(files.sort().map(async (file) => [file, await readFile(path.join(directory, file), 'utf8')] as const)));
}

/** Step Functions names a service's errors after the service. */
async function asCodeBuildError<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw Object.assign(new Error((error as Error).message), { name: `CodeBuild.${(error as Error).name}` });
  }
}

/**
 * Runs the compiled definition on the local engine as Step Functions runs it on AWS: the
 * CodeBuild steps are the real ones, StartBuild goes to the CodeBuild server through the SDK, and
 * `.sync` waits for the build and fails the Task with the Build as its Cause when it fails. Every
 * other action answers at once with made-up artifacts and the variables the pipeline reads.
 */
async function runOnEngine(pipeline: PipelineDeclaration, executionId: string): Promise<Run> {
  const parameters: Record<string, unknown>[] = [];
  const buildSteps: ActionStepPayload[] = [];
  const answer =
    (result: unknown): TaskHandler =>
    async () => ({ Payload: result });
  const step =
    (run: (deps: ExecutionDependencies, payload: ActionStepPayload) => Promise<unknown>): TaskHandler =>
    async (input) => {
      const payload = input.Payload as ActionStepPayload;
      if (payload.step !== 'prepareBuild') buildSteps.push(payload);
      return { Payload: await run(deps, payload) };
    };
  const handlers: TaskHandlers = {
    enterStage: answer({}),
    exitStage: answer({}),
    failStage: answer({}),
    checkBeforeEntry: answer({}),
    checkOnSuccess: answer({}),
    checkOnFailure: answer({}),
    requestApproval: answer({}),
    queueJob: answer({}),
    runAction: async (input) => {
      const { action } = input.Payload as { action: ActionDeclaration };
      const artifacts = (action.outputArtifacts ?? []).map(({ name }) => ({
        bucketName: TEST_ARTIFACT_BUCKET,
        objectKey: `${pipeline.name}/${name}/made-up.zip`,
      }));
      return { Payload: { artifacts, variables: { CommitId: '0123456789abcdef0123456789abcdef01234567' } } };
    },
    prepareBuild: step(prepareBuild),
    completeBuild: step(completeBuild),
    failBuild: step(failBuild),
    startBuild: async (input, binding) => {
      parameters.push(input);
      const action = pipeline.stages.flatMap((stage) => stage.actions).find((entry) => entry.name === binding.action)!;
      if (action.configuration?.BatchEnabled === 'true') return startBuildBatch(input);
      const build: Build = await asCodeBuildError(async () => {
        const started = await client.send(new StartBuildCommand(camelCase(input) as StartBuildCommandInput));
        return (await client.send(new BatchGetBuildsCommand({ ids: [started.build!.id!] }))).builds![0]!;
      });
      if (build.buildStatus !== 'SUCCEEDED') throw Object.assign(new Error(JSON.stringify(pascalCase(build))), { name: 'States.TaskFailed' });
      return { Build: pascalCase(build) };
    },
  };
  /** startBuildBatch.sync: the batch's builds write their artifacts, and a batch that fails fails the Task with the BuildBatch as its Cause. */
  const startBuildBatch = async (input: Record<string, unknown>) => {
    const batch: BuildBatch = await asCodeBuildError(async () => {
      const started = await client.send(new StartBuildBatchCommand(camelCase(input) as StartBuildBatchCommandInput));
      return (await client.send(new BatchGetBuildBatchesCommand({ ids: [started.buildBatch!.id!] }))).buildBatches![0]!;
    });
    await writeBatchArtifacts(batch);
    if (batch.buildBatchStatus !== 'SUCCEEDED') throw Object.assign(new Error(JSON.stringify(pascalCase(batch))), { name: 'States.TaskFailed' });
    return { BuildBatch: pascalCase(batch) };
  };
  const variables = Object.fromEntries((pipeline.variables ?? []).map((variable) => [variable.name, variable.defaultValue ?? '']));
  const input: ExecutionInput = { pipeline: { name: pipeline.name, version: 1, executionId, variables }, actions: {} };
  const outcome = await new LocalStateMachine(compilePipeline(pipeline, providerCatalog)).start(input, handlers).outcome;
  return { outcome, parameters, buildSteps };
}

function succeedEveryProject(pipeline: PipelineDeclaration): void {
  for (const { project } of buildActions(pipeline)) projects.set(project, { status: 'SUCCEEDED', exported: EXPORTED });
}

describe.each(SHIPPED)('the StartBuild requests of pipelines/%s', (file) => {
  const pipeline = validated(readFileSync(path.join(PIPELINES_DIR, file), 'utf8'));
  const actions = buildActions(pipeline);

  it('has CodeBuild and Commands actions to check', () => {
    expect(actions.map(({ action }) => action.actionTypeId.provider)).toEqual(expect.arrayContaining(['CodeBuild', 'Commands']));
  });

  it('are accepted by CodeBuild, exactly as Step Functions sends them, and each action ends Succeeded with its build', async () => {
    succeedEveryProject(pipeline);
    const executionId = `shipped-${pipeline.name}`;
    const run = await runOnEngine(pipeline, executionId);
    expect(server.startBuilds.map((call) => call.refused)).toEqual(actions.map(() => undefined));
    expect(run.outcome).toEqual({ status: 'Succeeded' });
    expect(server.startBuilds).toHaveLength(actions.length);

    const records = await deps.store.listActions(executionId);
    const logs = (stage: string, action: string) => `${TEST_ARTIFACT_BUCKET}/${pipeline.name}/logs/${executionId}/${stage}/${action}`;
    for (const { stage, action, project } of actions) {
      const sent = run.parameters.find(
        (parameters) => (parameters.LogsConfigOverride as { S3Logs: { Location: string } }).S3Logs.Location === logs(stage, action.name),
      )!;
      const { body } = server.startBuilds.find(
        (call) => (call.body.logsConfigOverride as { s3Logs: { location: string } }).s3Logs.location === logs(stage, action.name),
      )!;
      expect(body.projectName).toBe(project);
      // Every field of the Task reaches CodeBuild: the SDK drops none as unknown, and all are StartBuild's.
      expect(Object.keys(body).sort()).toEqual(Object.keys(camelCase(sent) as object).sort());
      expect(Object.keys(body).every((key) => (START_BUILD_MEMBERS as readonly string[]).includes(key))).toBe(true);
      // The project's own buildspec runs unless the action names one, as in CodePipeline; a
      // Commands action's commands are its buildspec, with its variables resolved.
      const resolved = { ...action, commands: action.commands?.map((command) => command.replace('#{BuildVariables.SITE_VERSION}', EXPORTED.SITE_VERSION)) };
      expect(body.buildspecOverride).toBe(action.commands ? commandsBuildspec(resolved) : action.configuration!.BuildSpec);
      // CodePipeline's 60 minutes for a Commands action; a CodeBuild action's project keeps its own.
      expect(body.timeoutInMinutesOverride).toBe(action.commands ? 60 : undefined);
      const names = (body.environmentVariablesOverride as { name: string }[]).map((variable) => variable.name);
      expect(names.filter((name) => name.startsWith('CODEBUILD_'))).toEqual([]);
      expect(body.logsConfigOverride).toEqual({ s3Logs: { status: 'ENABLED', location: logs(stage, action.name) } });

      const record = records.find((entry) => entry.actionName === action.name)!;
      const [build] = (await client.send(new BatchGetBuildsCommand({ ids: [record.output!.executionResult!.externalExecutionId!] }))).builds!;
      expect(record).toMatchObject({
        status: 'Succeeded',
        output: { executionResult: { externalExecutionId: build!.id, externalExecutionUrl: build!.logs!.deepLink }, outputVariables: EXPORTED },
        logLocation: {
          bucketName: TEST_ARTIFACT_BUCKET,
          objectKey: `${pipeline.name}/logs/${executionId}/${stage}/${action.name}/${build!.id!.split(':')[1]}.gz`,
        },
      });
    }
  });

  it('carry only the build id in the state after StartBuild, not the Build', async () => {
    succeedEveryProject(pipeline);
    const run = await runOnEngine(pipeline, `state-${pipeline.name}`);
    expect(run.outcome).toEqual({ status: 'Succeeded' });
    const completes = run.buildSteps.filter((payload) => payload.step === 'completeBuild');
    expect(completes).toHaveLength(actions.length);
    for (const payload of completes) {
      expect(Object.keys(payload.codebuild!).sort()).toEqual(['build', 'execution']);
      expect(Object.keys(payload.codebuild!.build)).toEqual(['Id']);
    }
  });
});

describe('a CodeBuild action on AWS', () => {
  const webapp = validated(readFileSync(path.join(PIPELINES_DIR, 'webapp.yml'), 'utf8'));

  it('records a failed build with its id, console link, S3 log and phase error, and fails the stage with that error', async () => {
    succeedEveryProject(webapp);
    projects.set('webapp-test', FAILED_TESTS);
    const executionId = 'failed-build';
    const run = await runOnEngine(webapp, executionId);
    expect(run.outcome).toMatchObject({ status: 'Failed' });

    const record = (await deps.store.listActions(executionId)).find((entry) => entry.actionName === 'UnitTests')!;
    const buildId = record.output!.executionResult!.externalExecutionId!;
    const [build] = (await client.send(new BatchGetBuildsCommand({ ids: [buildId] }))).builds!;
    expect(build!.buildStatus).toBe('FAILED');
    expect(record).toMatchObject({
      status: 'Failed',
      errorDetails: { code: 'Sluice.ActionFailed', message: `Build ${buildId} failed in phase BUILD: COMMAND_EXECUTION_ERROR: ${FAILED_TESTS.message}` },
      output: { executionResult: { externalExecutionId: buildId, externalExecutionUrl: build!.logs!.deepLink } },
      logLocation: { bucketName: TEST_ARTIFACT_BUCKET, objectKey: `webapp/logs/${executionId}/Test/UnitTests/${buildId.split(':')[1]}.gz` },
    });
    // The summary is the phase error, not the Build as JSON.
    expect(record.errorDetails!.message).not.toContain('"Arn"');

    // CodeBuild writes the S3 log gzipped; Sluice reads it back as text.
    await deps.blobs.put(record.logLocation!, gzipSync('[Container] Running command npm test\nnot ok 1 - renders the page\n'));
    expect(await text(await openActionLog(deps.blobs, record.logLocation!))).toContain('not ok 1 - renders the page');
  });

  it('records a StartBuild that CodeBuild refuses with its error, and no build', async () => {
    const broken = {
      ...webapp,
      stages: webapp.stages.map((stage) => ({
        ...stage,
        actions: stage.actions.map((action) =>
          action.name === 'BuildSite' ? { ...action, configuration: { ...action.configuration, ProjectName: 'no-such-project' } } : action,
        ),
      })),
    };
    succeedEveryProject(webapp);
    const executionId = 'refused-start';
    const run = await runOnEngine(broken, executionId);
    expect(run.outcome).toMatchObject({ status: 'Failed' });
    expect(server.startBuilds[0]!.refused?.type).toBe('ResourceNotFoundException');
    const record = (await deps.store.listActions(executionId)).find((entry) => entry.actionName === 'BuildSite')!;
    expect(record.status).toBe('Failed');
    expect(record.errorDetails!.message).toBe(
      'CodeBuild.ResourceNotFoundException: Project cannot be found: arn:aws:codebuild:us-east-1:000000000000:project/no-such-project',
    );
    expect(record.output).toBeUndefined();
  });

  it('records a failed build that CodeBuild cannot find by its id, and a Cause that names no build in its own words', async () => {
    const action = webapp.stages[2]!.actions[0]!;
    const payload = (executionId: string): ActionStepPayload => ({
      step: 'prepareBuild',
      pipeline: { name: 'webapp', version: 1, executionId, variables: {} },
      stage: 'Test',
      action,
      inputArtifacts: [{ name: 'SourceOutput', location: { bucketName: TEST_ARTIFACT_BUCKET, objectKey: 'webapp/SourceOutput/made-up.zip' } }],
      namespaces: {},
    });
    const fail = async (executionId: string, error: { Error: string; Cause: string }) => {
      const prepared = await prepareBuild(deps, payload(executionId));
      await expect(failBuild(deps, { ...payload(executionId), step: 'failBuild', codebuild: { ...prepared, error } })).rejects.toMatchObject({
        name: 'Sluice.ActionFailed',
      });
      return (await deps.store.listActions(executionId))[0]!;
    };

    const unknownId = 'webapp-test:00000000-0000-4000-8000-000000000000';
    const unknown = await fail('unknown-build', { Error: 'States.TaskFailed', Cause: JSON.stringify({ Build: { Id: unknownId, BuildStatus: 'FAILED' } }) });
    expect(unknown).toMatchObject({ status: 'Failed', output: { executionResult: { externalExecutionId: unknownId } } });
    expect(unknown.errorDetails!.message).toBe(
      `Build ${unknownId} did not succeed; CodeBuild's console has its phases and log. CodeBuild knows no such build.`,
    );

    const timedOut = await fail('timed-out', { Error: 'States.Timeout', Cause: '' });
    expect(timedOut).toMatchObject({ status: 'Failed', errorDetails: { message: 'States.Timeout' } });
    expect(timedOut.output).toBeUndefined();
  });

  it('maps artifact names with "-" to identifiers CodeBuild accepts, and keeps the build timeout within 5 to 2160 minutes', async () => {
    const pipeline = withTwoSources(webapp, 'hyphens', {
      name: 'Compile',
      actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
      configuration: { ProjectName: 'hyphens-build', BuildSpec: 'ci/buildspec.yml', PrimarySource: 'Src-Main' },
      inputArtifacts: [{ name: 'Src-Main' }, { name: 'Src-Lib' }],
      outputArtifacts: [{ name: 'Site-Out' }, { name: 'Docs-Out' }],
      timeoutInMinutes: 3000,
    });
    projects.set('hyphens-build', { status: 'SUCCEEDED' });
    const run = await runOnEngine(pipeline, 'hyphens');
    expect(server.startBuilds[0]!.refused).toBeUndefined();
    expect(run.outcome).toEqual({ status: 'Succeeded' });
    const { body } = server.startBuilds[0]!;
    expect(body).toMatchObject({
      buildspecOverride: 'ci/buildspec.yml',
      timeoutInMinutesOverride: 2160,
      secondarySourcesOverride: [{ sourceIdentifier: 'Src_Lib', type: 'S3', location: `${TEST_ARTIFACT_BUCKET}/hyphens/Src-Lib/made-up.zip` }],
      artifactsOverride: { type: 'S3', location: TEST_ARTIFACT_BUCKET, path: 'hyphens/Site-Out' },
      secondaryArtifactsOverride: [{ artifactIdentifier: 'Docs_Out', type: 'S3', location: TEST_ARTIFACT_BUCKET, path: 'hyphens/Docs-Out' }],
    });
  });
});

describe('a Commands action on AWS', () => {
  const webapp = validated(readFileSync(path.join(PIPELINES_DIR, 'webapp.yml'), 'utf8'));

  it('starts a build of the Commands project with its commands as the buildspec, and its variables, sources, artifact and timeout as overrides', async () => {
    const pipeline = withTwoSources(webapp, 'commands', {
      name: 'Package',
      actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
      commands: ['make dist', 'export VERSION=$(cat VERSION)'],
      outputVariables: ['VERSION'],
      environmentVariables: [
        { name: 'STAGE', value: 'beta' },
        { name: 'TOKEN', value: 'prod/token', type: 'SECRETS_MANAGER' },
      ],
      inputArtifacts: [{ name: 'Src-Main' }, { name: 'Src-Lib' }],
      outputArtifacts: [{ name: 'Dist', files: ['dist/**/*'] }],
      timeoutInMinutes: 20,
      namespace: 'Package',
    });
    projects.set(COMMANDS_PROJECT, { status: 'SUCCEEDED', exported: { VERSION: '2.1.0' } });
    const run = await runOnEngine(pipeline, 'commands-overrides');
    expect(server.startBuilds[0]!.refused).toBeUndefined();
    expect(run.outcome).toEqual({ status: 'Succeeded' });
    const { body } = server.startBuilds[0]!;
    expect(body).toMatchObject({
      projectName: COMMANDS_PROJECT,
      sourceTypeOverride: 'S3',
      sourceLocationOverride: `${TEST_ARTIFACT_BUCKET}/commands/Src-Main/made-up.zip`,
      secondarySourcesOverride: [{ sourceIdentifier: 'Src_Lib', type: 'S3', location: `${TEST_ARTIFACT_BUCKET}/commands/Src-Lib/made-up.zip` }],
      environmentVariablesOverride: [
        { name: 'STAGE', value: 'beta', type: 'PLAINTEXT' },
        { name: 'TOKEN', value: 'prod/token', type: 'SECRETS_MANAGER' },
      ],
      artifactsOverride: { type: 'S3', location: TEST_ARTIFACT_BUCKET, path: 'commands/Dist', packaging: 'ZIP' },
      timeoutInMinutesOverride: 20,
    });
    expect(body.buildspecOverride).toBe(
      [
        'version: 0.2',
        'env:',
        '  exported-variables:',
        '    - VERSION',
        'phases:',
        '  build:',
        '    commands:',
        '      - make dist',
        '      - export VERSION=$(cat VERSION)',
        'artifacts:',
        '  files:',
        '    - dist/**/*',
        '',
      ].join('\n'),
    );
    const [record] = await deps.store.listActions('commands-overrides').then((records) => records.filter((entry) => entry.actionName === 'Package'));
    expect(record).toMatchObject({ status: 'Succeeded', output: { outputVariables: { VERSION: '2.1.0' } } });
  });

  it('fails, naming what to do, where the installation names no Commands project', async () => {
    const action = webapp.stages[2]!.actions.find((entry) => entry.actionTypeId.provider === 'Commands')!;
    const payload: ActionStepPayload = {
      step: 'prepareBuild',
      pipeline: { name: 'webapp', version: 1, executionId: 'no-commands-project', variables: {} },
      stage: 'Test',
      action,
      inputArtifacts: [{ name: 'SiteOutput', location: { bucketName: TEST_ARTIFACT_BUCKET, objectKey: 'webapp/SiteOutput/made-up.zip' } }],
      namespaces: { BuildVariables: EXPORTED },
    };
    await expect(prepareBuild({ ...deps, commandsProjectName: undefined }, payload)).rejects.toThrow(
      'Commands actions run on a CodeBuild project that this installation does not name: on AWS, serverless.yml sets COMMANDS_PROJECT_NAME on the action runner; deploy the stack again.',
    );
  });
});

describe('a CodeBuild batch build on AWS', () => {
  const webapp = validated(readFileSync(path.join(PIPELINES_DIR, 'webapp.yml'), 'utf8'));
  const source = webapp.stages[0]!.actions[0]!;
  const batchPipeline = (name: string, configuration: Record<string, string>, outputs: string[]) =>
    validated(
      JSON.stringify({
        name,
        pipelineType: 'V2',
        variables: webapp.variables,
        stages: [
          { name: 'Source', actions: [{ ...source, namespace: undefined, outputArtifacts: [{ name: 'Src' }] }] },
          {
            name: 'Build',
            actions: [
              {
                name: 'Matrix',
                actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
                configuration: { ProjectName: `${name}-batch`, BatchEnabled: 'true', ...configuration },
                inputArtifacts: [{ name: 'Src' }],
                outputArtifacts: outputs.map((output) => ({ name: output })),
                timeoutInMinutes: 3000,
              },
            ],
          },
        ],
      }),
    );
  const record = async (executionId: string) => (await deps.store.listActions(executionId)).find((entry) => entry.actionName === 'Matrix')!;
  const succeeded: ProjectOutcome = { status: 'SUCCEEDED' };

  it("starts one batch that CodeBuild accepts, and maps each build's artifacts to the output named after its identifier", async () => {
    const pipeline = batchPipeline('separate', {}, ['linux', 'linux_docs', 'windows']);
    batches.set('separate-batch', [
      { identifier: 'linux', outcome: succeeded, secondaryArtifacts: ['docs'] },
      { identifier: 'windows', outcome: succeeded },
    ]);
    const run = await runOnEngine(pipeline, 'separate');
    expect(server.startBuildBatches.map((call) => call.refused)).toEqual([undefined]);
    expect(server.startBuilds).toEqual([]);
    expect(run.outcome).toEqual({ status: 'Succeeded' });

    const { body } = server.startBuildBatches[0]!;
    expect(Object.keys(body).every((key) => (START_BUILD_BATCH_MEMBERS as readonly string[]).includes(key))).toBe(true);
    expect(body).toMatchObject({
      buildTimeoutInMinutesOverride: 2160,
      artifactsOverride: { type: 'S3', location: TEST_ARTIFACT_BUCKET, namespaceType: 'BUILD_ID', packaging: 'ZIP' },
      secondaryArtifactsOverride: [{ artifactIdentifier: 'docs', type: 'S3', namespaceType: 'BUILD_ID' }],
    });

    const matrix = await record('separate');
    const [batch] = (await client.send(new BatchGetBuildBatchesCommand({ ids: [matrix.output!.executionResult!.externalExecutionId!] }))).buildBatches!;
    const [account, project] = ['000000000000', 'separate-batch'];
    expect(matrix).toMatchObject({
      status: 'Succeeded',
      output: {
        outputVariables: {},
        executionResult: {
          externalExecutionId: batch!.id,
          externalExecutionUrl: `https://us-east-1.console.aws.amazon.com/codesuite/codebuild/${account}/projects/${project}/batch/${encodeURIComponent(batch!.id!)}?region=us-east-1`,
        },
      },
    });
    const outputs = matrix.output!.outputArtifacts!;
    expect(outputs.map((artifact) => artifact.name)).toEqual(['linux', 'linux_docs', 'windows']);
    expect(outputs.map((artifact) => artifact.s3location!.objectKey)).toEqual(
      ['linux', 'linux_docs', 'windows'].map((name) => `separate/${name}/${matrix.actionExecutionId}.zip`),
    );
    expect(await artifactFiles(outputs[0]!.s3location!, 'separate-linux')).toEqual({ 'built.txt': 'linux primary\n' });
    expect(await artifactFiles(outputs[1]!.s3location!, 'separate-linux-docs')).toEqual({ 'built.txt': 'linux docs\n' });
    expect(await artifactFiles(outputs[2]!.s3location!, 'separate-windows')).toEqual({ 'built.txt': 'windows primary\n' });
  });

  it("combines every build's artifacts into the one output artifact, each in a folder named by its build identifier", async () => {
    const pipeline = batchPipeline('combined', { CombineArtifacts: 'true' }, ['Everything']);
    batches.set('combined-batch', [
      { identifier: 'linux', outcome: succeeded },
      { identifier: 'windows', outcome: succeeded },
      { identifier: 'flaky', outcome: FAILED_TESTS, ignoreFailure: true },
    ]);
    const run = await runOnEngine(pipeline, 'combined');
    expect(run.outcome).toEqual({ status: 'Succeeded' });
    // CodeBuild combines primary artifacts only.
    expect(server.startBuildBatches[0]!.body.secondaryArtifactsOverride).toEqual([]);
    const matrix = await record('combined');
    expect(matrix.status).toBe('Succeeded');
    const [combined] = matrix.output!.outputArtifacts!;
    expect(combined!.s3location!.objectKey).toBe(`combined/Everything/${matrix.actionExecutionId}.zip`);
    // A build that failed with ignore-failure passes no artifact on, as a failed build does not.
    expect(await artifactFiles(combined!.s3location!, 'combined')).toEqual({
      'linux/built.txt': 'linux primary\n',
      'windows/built.txt': 'windows primary\n',
    });
  });

  it("fails the action with the failing build's phase error and every build's status, and records the batch", async () => {
    const pipeline = batchPipeline('failing', {}, ['linux']);
    batches.set('failing-batch', [
      { identifier: 'linux', outcome: succeeded },
      { identifier: 'windows', outcome: FAILED_TESTS },
    ]);
    const run = await runOnEngine(pipeline, 'failing');
    expect(run.outcome).toMatchObject({ status: 'Failed' });
    const matrix = await record('failing');
    const batchId = matrix.output!.executionResult!.externalExecutionId!;
    const [batch] = (await client.send(new BatchGetBuildBatchesCommand({ ids: [batchId] }))).buildBatches!;
    const windows = batch!.buildGroups!.find((group) => group.identifier === 'windows')!.currentBuildSummary!.arn!.split('/')[1]!;
    expect(matrix).toMatchObject({
      status: 'Failed',
      errorDetails: {
        code: 'Sluice.ActionFailed',
        message: `Batch build ${batchId} failed: build windows (${windows}) failed in phase BUILD: COMMAND_EXECUTION_ERROR: ${FAILED_TESTS.message}. Builds: linux SUCCEEDED, windows FAILED.`,
      },
      output: { executionResult: { externalExecutionId: batchId } },
      // The failing build's log is the action's.
      logLocation: { bucketName: TEST_ARTIFACT_BUCKET, objectKey: `failing/logs/failing/Build/Matrix/${windows.split(':')[1]}.gz` },
    });
  });

  it('fails the action, naming what the builds wrote, when an output artifact is named after no build', async () => {
    const pipeline = batchPipeline('unnamed', {}, ['linux', 'macos']);
    batches.set('unnamed-batch', [{ identifier: 'linux', outcome: succeeded }]);
    const run = await runOnEngine(pipeline, 'unnamed');
    expect(run.outcome).toMatchObject({ status: 'Failed' });
    const matrix = await record('unnamed');
    expect(matrix.status).toBe('Failed');
    expect(matrix.errorDetails!.message).toBe(
      `Batch build ${matrix.output!.executionResult!.externalExecutionId} wrote no artifact for output macos. An output artifact of a batch build is named after a build identifier (its primary artifact) or <build identifier>_<artifact identifier> (a secondary one); the batch's succeeded builds wrote: linux.`,
    );
  });

  it('records a StartBuildBatch that CodeBuild refuses with its error, and no batch', async () => {
    const pipeline = batchPipeline('refused', {}, ['linux']);
    const run = await runOnEngine(pipeline, 'refused');
    expect(run.outcome).toMatchObject({ status: 'Failed' });
    const matrix = await record('refused');
    expect(matrix).toMatchObject({
      status: 'Failed',
      errorDetails: { message: 'CodeBuild.ResourceNotFoundException: Project cannot be found: arn:aws:codebuild:us-east-1:000000000000:project/refused-batch' },
    });
    expect(matrix.output).toBeUndefined();
  });
});

describe('the CodeBuild server', () => {
  const valid: StartBuildCommandInput = {
    projectName: 'rules',
    sourceTypeOverride: 'S3',
    sourceLocationOverride: 'bucket/p/Src/a.zip',
    environmentVariablesOverride: [{ name: 'STAGE', value: 'prod', type: 'PLAINTEXT' }],
    logsConfigOverride: { s3Logs: { status: 'ENABLED', location: 'bucket/p/logs' } },
  };
  const refusal = (input: StartBuildCommandInput) =>
    client.send(new StartBuildCommand(input)).then(
      () => undefined,
      (error: Error) => `${error.name}: ${error.message}`,
    );

  it('starts a build that follows the rules, and refuses each rule broken', async () => {
    projects.set('rules', { status: 'SUCCEEDED' });
    expect(await refusal(valid)).toBeUndefined();
    expect(await refusal({ ...valid, environmentVariablesOverride: [{ name: 'CODEBUILD_INITIATOR', value: 'codepipeline/p' }] })).toBe(
      'InvalidInputException: Invalid input: No user environment variables can start with CODEBUILD_',
    );
    expect(await refusal({ ...valid, secondarySourcesOverride: [{ type: 'S3', location: 'bucket/k.zip', sourceIdentifier: 'Src-Lib' }] })).toMatch(
      /^InvalidInputException: .*identifier must contain only alphanumeric characters and underscores/,
    );
    expect(await refusal({ ...valid, secondaryArtifactsOverride: [{ type: 'S3', location: 'bucket', artifactIdentifier: 'Docs-Out' }] })).toMatch(
      /^InvalidInputException: .*identifier must contain only alphanumeric characters and underscores/,
    );
    expect(await refusal({ ...valid, timeoutInMinutesOverride: 3000 })).toMatch(
      /^InvalidInputException: .*timeoutInMinutesOverride must be a whole number from 5 to 2160/,
    );
    expect(await refusal({ ...valid, timeoutInMinutesOverride: 4 })).toMatch(/from 5 to 2160/);
    expect(await refusal({ ...valid, logsConfigOverride: { s3Logs: { status: 'ENABLED' } } })).toMatch(/s3Logs.location .* must be bucket\/prefix/);
    expect(await refusal({ ...valid, projectName: 'missing' })).toBe(
      'ResourceNotFoundException: Project cannot be found: arn:aws:codebuild:us-east-1:000000000000:project/missing',
    );
  });
});

describe('declaring a CodeBuild action', () => {
  it('refuses EnvironmentVariables whose names CodeBuild reserves, naming them', () => {
    const webapp = readFileSync(path.join(PIPELINES_DIR, 'webapp.yml'), 'utf8');
    // Variables are checked once resolved; a list without them is checked when it is declared.
    const declared = webapp.replace(
      /EnvironmentVariables: '.*'/,
      `EnvironmentVariables: '[{"name":"CODEBUILD_COMMIT","value":"x"},{"name":"STAGE","value":"prod"}]'`,
    );
    expect(declared).not.toBe(webapp);
    expect(() => validated(declared)).toThrow(
      "EnvironmentVariables CODEBUILD_COMMIT: names that start with CODEBUILD_ are CodeBuild's own, and StartBuild refuses them. Rename them.",
    );
  });
});
