import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CodeBuildClient, CreateProjectCommand, ListBuildsForProjectCommand, StartBuildCommand } from '@aws-sdk/client-codebuild';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { build } from 'esbuild';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import type { ActionStepPayload, PreparedBuild } from '../../lib/core/task-payloads';
import type { ActionDeclaration } from '../../lib/core/declaration';
import type { ConditionStepPayload } from '../../lib/core/rules';
import { commandsBuildspec } from '../../lib/actions/commands';
import { COMMANDS_PROJECT_VARIABLE } from '../../lib/compose/aws-environment';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { createIdempotencyTable, httpFunctionEnvironment } from './support/http-function';
import { REGION, motoClientConfig, uniqueName } from './support/moto-clients';

const ROOT = path.resolve(__dirname, '../..');

/** Credentials as Lambda hands them to the function: in its environment, for the whole process. */
const ROLE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIAFAKEROLEKEY00001',
  AWS_SECRET_ACCESS_KEY: 'fake-role-secret-access-key-0001',
  AWS_SESSION_TOKEN: 'fake-role-session-token-0001',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9/fake-role-credentials-endpoint',
  AWS_CONTAINER_AUTHORIZATION_TOKEN: 'fake-role-authorization-token-0001',
};

describe('Commands on AWS: the action on the Commands project, the rule in the action runner', () => {
  const config = motoClientConfig();
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const table = uniqueName('sluice-executions');
  const bucket = uniqueName('sluice-artifacts');
  const busName = uniqueName('sluice-events');
  const codebuild = new CodeBuildClient(config);
  let scratch: string;
  let runner: string;
  let environment: Record<string, string>;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'sluice-commands-env-'));
    runner = path.join(scratch, 'action-runner.cjs');
    // Bundled, as serverless-esbuild deploys it: one Node process, the shell's direct parent.
    await build({
      entryPoints: [path.join(ROOT, 'test/aws/support/action-runner-process.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // The SDK's ES module builds, as serverless.yml bundles the functions.
      mainFields: ['module', 'main'],
      outfile: runner,
      logLevel: 'warning',
    });
    environment = {
      ...httpFunctionEnvironment({
        region: REGION,
        stage: 'commands',
        table,
        eventBusName: busName,
      }),
      ARTIFACT_BUCKET: bucket,
      PATH: process.env.PATH!,
      LANG: 'C.UTF-8',
      TZ: ':UTC',
      AWS_LAMBDA_FUNCTION_NAME: 'sluice-test-actionRunner',
      ...ROLE_CREDENTIALS,
    };
    await ensureExecutionTable(dynamodb, table);
    await createIdempotencyTable(dynamodb, environment);
    await new EventBridgeClient(config).send(new CreateEventBusCommand({ Name: busName }));
  }, 60_000);

  afterAll(async () => {
    dynamodb.destroy();
    s3.destroy();
    codebuild.destroy();
    await rm(scratch, { recursive: true, force: true });
  });

  const run = async (payload: unknown, env: Record<string, string> = environment): Promise<unknown> => {
    const { stdout } = await promisify(execFile)(process.execPath, [runner, JSON.stringify(payload)], { env, cwd: scratch });
    return JSON.parse(stdout) as unknown;
  };

  const sourceArtifact = async () => {
    const source = path.join(scratch, 'source');
    await mkdir(source, { recursive: true });
    await writeFile(path.join(source, 'README.md'), 'hello\n');
    const blobs = new S3BlobStore(s3);
    await blobs.ensureBucket(bucket);
    return new ArtifactStore(blobs).storeArtifact({ bucketName: bucket, pipelineName: 'webapp', artifactName: 'Source', directory: source });
  };

  it("runs a Commands rule's commands with Lambda's locale, region and their own variables, and none of the role's credentials nor Sluice's settings, in their environment or their parent's", async () => {
    const location = await sourceArtifact();
    const own = path.join(scratch, 'own.env');
    const parent = path.join(scratch, 'parent.env');
    const payload: ConditionStepPayload = {
      step: 'checkBeforeEntry',
      pipeline: { name: 'webapp', version: 1, executionId: uniqueName('execution'), variables: {} },
      stage: 'Build',
      conditions: [
        {
          result: 'FAIL',
          rules: [
            {
              name: 'Inspect',
              ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'Commands', version: '1' },
              commands: [`env > ${own}`, `tr "\\0" "\\n" < /proc/$PPID/environ > ${parent}`],
              inputArtifacts: [{ name: 'Source' }],
            },
          ],
        },
      ],
      namespaces: {},
      artifacts: { Source: location },
    };
    expect(await run(payload)).toEqual({ skipped: false });

    const ownText = await readFile(own, 'utf8');
    const parentText = await readFile(parent, 'utf8');
    expect(ownText).toMatch(new RegExp(`^AWS_REGION=${REGION}$`, 'm'));
    expect(ownText).toMatch(/^LANG=C\.UTF-8$/m);
    expect(ownText).toMatch(/^CODEBUILD_SRC_DIR=/m);
    // The parent's environ was read: what is no secret is still there.
    expect(parentText).toMatch(/^AWS_LAMBDA_FUNCTION_NAME=sluice-test-actionRunner$/m);
    for (const [name, value] of Object.entries(ROLE_CREDENTIALS)) {
      expect({ name, seen: ownText.includes(value) || parentText.includes(value) }).toEqual({ name, seen: false });
      expect(ownText).not.toContain(`${name}=`);
    }
    for (const name of [
      'TABLE_NAME',
      'IDEMPOTENCY_TABLE_NAME',
      'GITHUB_TOKEN_SECRET_ARN',
      'AWS_ENDPOINT_URL',
      'AWS_LAMBDA_FUNCTION_NAME',
      COMMANDS_PROJECT_VARIABLE,
    ]) {
      expect(ownText).not.toMatch(new RegExp(`^${name}=`, 'm'));
    }
  }, 60_000);

  it('prepares a Commands action in the action runner as a build of the Commands project, which CodeBuild starts with those overrides', async () => {
    const location = await sourceArtifact();
    const project = uniqueName('sluice-commands');
    await codebuild.send(
      new CreateProjectCommand({
        name: project,
        // moto asks a location even of a NO_SOURCE project, which CodeBuild does not.
        source: { type: 'NO_SOURCE', buildspec: 'version: 0.2', location: `${bucket}/unused` },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0', computeType: 'BUILD_GENERAL1_SMALL' },
        serviceRole: `arn:aws:iam::123456789012:role/sluice-commands-build`,
      }),
    );
    const executionId = uniqueName('execution');
    const action: ActionDeclaration = {
      name: 'Package',
      actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
      inputArtifacts: [{ name: 'Source' }],
      commands: ['make dist'],
      environmentVariables: [{ name: 'DEPLOY_STAGE', value: 'beta' }],
    };
    const payload = (step: ActionStepPayload['step']): ActionStepPayload => ({
      step,
      pipeline: { name: 'webapp', version: 1, executionId, variables: {} },
      stage: 'Build',
      action,
      inputArtifacts: [{ name: 'Source', location }],
      namespaces: {},
    });
    const withProject = { ...environment, [COMMANDS_PROJECT_VARIABLE]: project };

    const prepared = (await run(payload('prepareBuild'), withProject)) as PreparedBuild;
    expect(prepared.build).toMatchObject({
      projectName: project,
      buildspec: commandsBuildspec(action),
      environmentVariables: [{ Name: 'DEPLOY_STAGE', Value: 'beta', Type: 'PLAINTEXT' }],
      artifacts: { Type: 'NO_ARTIFACTS' },
    });
    const [record] = await new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb), table).listActions(executionId);
    expect(record).toMatchObject({ actionName: 'Package', status: 'InProgress' });

    // What the startBuild.sync Task sends, as the compiled definition maps the overrides. moto
    // answers with the Build's times as ISO text, which the SDK cannot read as CodeBuild's epoch
    // numbers: the build it started is then read by its project.
    const start = new StartBuildCommand({
      projectName: prepared.build.projectName,
      sourceTypeOverride: 'S3',
      sourceLocationOverride: prepared.build.sourceLocation,
      buildspecOverride: prepared.build.buildspec,
      environmentVariablesOverride: prepared.build.environmentVariables.map(({ Name: name, Value: value, Type: type }) => ({ name, value, type })),
      artifactsOverride: { type: 'NO_ARTIFACTS' },
      logsConfigOverride: { s3Logs: { status: 'ENABLED', location: prepared.build.logsConfig.S3Logs.Location } },
      timeoutInMinutesOverride: 60,
    });
    const refusal = await codebuild.send(start).then(
      () => undefined,
      (error: Error & { $response?: { statusCode?: number } }) => error,
    );
    expect(refusal === undefined || refusal.$response?.statusCode === 200).toBe(true);
    const { ids } = await codebuild.send(new ListBuildsForProjectCommand({ projectName: project }));
    expect(ids).toHaveLength(1);
    expect(ids![0]!.startsWith(`${project}:`)).toBe(true);
  }, 60_000);
});
