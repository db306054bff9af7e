import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import type { ActionStepPayload } from '../../lib/core/task-payloads';
import { actionLogKey } from '../../lib/artifacts/action-log';
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

describe('a Commands action in the action runner', () => {
  const config = motoClientConfig();
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const table = uniqueName('sluice-executions');
  const bucket = uniqueName('sluice-artifacts');
  const busName = uniqueName('sluice-events');
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
    await rm(scratch, { recursive: true, force: true });
  });

  it("sees Lambda's locale, region and its own variables, and none of the role's credentials nor Sluice's settings, in its environment or its parent's", async () => {
    const source = path.join(scratch, 'source');
    await mkdir(source);
    await writeFile(path.join(source, 'README.md'), 'hello\n');
    const blobs = new S3BlobStore(s3);
    await blobs.ensureBucket(bucket);
    const artifacts = new ArtifactStore(blobs);
    const location = await artifacts.storeArtifact({ bucketName: bucket, pipelineName: 'webapp', artifactName: 'Source', directory: source });

    const executionId = uniqueName('execution');
    const payload: ActionStepPayload = {
      step: 'runAction',
      pipeline: { name: 'webapp', version: 1, executionId, variables: {} },
      stage: 'Build',
      action: {
        name: 'Inspect',
        actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
        inputArtifacts: [{ name: 'Source' }],
        commands: ['echo "== own"', 'env', 'echo "== parent"', 'tr "\\0" "\\n" < /proc/$PPID/environ', 'echo "== end"'],
        environmentVariables: [{ name: 'DEPLOY_STAGE', value: 'beta' }],
      },
      inputArtifacts: [{ name: 'Source', location }],
      namespaces: {},
    };
    const { stdout } = await promisify(execFile)(process.execPath, [runner, JSON.stringify(payload)], { env: environment, cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ artifacts: [], variables: {} });

    const key = actionLogKey({ pipelineName: 'webapp', executionId, stageName: 'Build', actionName: 'Inspect' });
    const log = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();
    const own = log.slice(log.indexOf('== own'), log.indexOf('== parent'));
    const parent = log.slice(log.indexOf('== parent'), log.indexOf('== end'));

    expect(own).toMatch(/^DEPLOY_STAGE=beta$/m);
    expect(own).toMatch(new RegExp(`^AWS_REGION=${REGION}$`, 'm'));
    expect(own).toMatch(/^LANG=C\.UTF-8$/m);
    expect(own).toMatch(/^CODEBUILD_SRC_DIR=/m);
    // The parent's environ was read: what is no secret is still there.
    expect(parent).toMatch(/^AWS_LAMBDA_FUNCTION_NAME=sluice-test-actionRunner$/m);
    for (const [name, value] of Object.entries(ROLE_CREDENTIALS)) {
      expect({ name, inLog: log.includes(value) }).toEqual({ name, inLog: false });
      expect(own).not.toContain(`${name}=`);
    }
    for (const name of ['TABLE_NAME', 'IDEMPOTENCY_TABLE_NAME', 'GITHUB_TOKEN_SECRET_ARN', 'AWS_ENDPOINT_URL', 'AWS_LAMBDA_FUNCTION_NAME']) {
      expect(own).not.toMatch(new RegExp(`^${name}=`, 'm'));
    }
  }, 60_000);
});
