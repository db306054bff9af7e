import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { LAMBDA_JOB_TYPE } from '../../lib/actions/lambda-invoke';
import { StsArtifactCredentials } from '../../lib/adapters/aws/sts-artifact-credentials';
import { HandlerFileFunctions } from '../../lib/adapters/local/lambda-handler-files';
import { startJobFunction, type JobDependencies } from '../../lib/execution/custom-action-jobs';
import type { ArtifactCredentialsValue } from '../../lib/ports/artifact-credentials';
import type { JobRecord } from '../../lib/ports/custom-action-store';
import type { LambdaJobEvent } from '../../lib/ports/job-functions';
import { ACCOUNT, REGION } from './support/moto-clients';
import { assumeMotoRole, motoQuery } from './support/moto-iam';
import { startMotoServer, stopMotoServer, type MotoServer } from './support/moto-server';

const HANDLER = path.join(__dirname, '../fixtures/lambda/job-function.mjs');
const JOB_REQUEST_ROLE = 'sluice-approval-request';
const JOB_REQUEST_SESSION = 'sluice-ci-approvalRequest';
const JOB_REQUEST_SESSION_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/${JOB_REQUEST_ROLE}/${JOB_REQUEST_SESSION}`;
const ARTIFACT_ROLE = 'sluice-artifact-access';
const ARTIFACT_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ARTIFACT_ROLE}`;
const OTHER_ROLE = 'sluice-http';
const BUCKET = 'sluice-artifacts';
const OTHER_BUCKET = 'sluice-other-bucket';
const INPUT = { bucketName: BUCKET, objectKey: 'deploy/Src/input.zip' };
const OUTPUT = { bucketName: BUCKET, objectKey: 'deploy/Report/output.zip' };

const policy = (Action: string[], Resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] });

/**
 * A moto_server that enforces IAM once the setup below is done: the buckets and the input
 * artifact, the job request function's role (which may assume the artifact access role only), the
 * artifact access role (trusted by that role alone; it reads and writes the artifact bucket only,
 * as serverless.yml has it), that role's own session, and a session of another function's role
 * that may call sts:AssumeRole but is not trusted. moto enforces the roles' policies but not a session policy
 * (its AssumedRoleAccessKey collects the role's policies only), so the narrowing to the job's
 * objects is shown by the unit tests of the policy, not here.
 */
const SETUP_REQUESTS = 12;

describe("a Lambda invoke action's event on AWS carries a session of the artifact access role", () => {
  let server: MotoServer;
  let eventsDir: string;
  let jobRequest: ArtifactCredentialsValue;
  let other: ArtifactCredentialsValue;
  const issuer = (credentials: ArtifactCredentialsValue, roleName: string) =>
    new StsArtifactCredentials(new STSClient({ endpoint: server.endpoint, region: REGION, credentials, maxAttempts: 1 }), ARTIFACT_ROLE_ARN, { roleName });
  const s3 = (credentials: ArtifactCredentialsValue) =>
    new S3Client({ endpoint: server.endpoint, region: REGION, forcePathStyle: true, credentials, maxAttempts: 1 });

  beforeAll(async () => {
    server = await startMotoServer({ INITIAL_NO_AUTH_ACTION_COUNT: String(SETUP_REQUESTS) });
    eventsDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-artifact-credentials-'));
    const setup = s3({ accessKeyId: 'testing', secretAccessKey: 'testing' });
    await setup.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await setup.send(new CreateBucketCommand({ Bucket: OTHER_BUCKET }));
    await setup.send(new PutObjectCommand({ Bucket: BUCKET, Key: INPUT.objectKey, Body: 'the input artifact' }));
    await setup.send(new PutObjectCommand({ Bucket: OTHER_BUCKET, Key: INPUT.objectKey, Body: 'not an artifact' }));
    const iam = (parameters: Record<string, string>) => motoQuery(server.endpoint, 'iam', { Version: '2010-05-08', ...parameters });
    await iam({ Action: 'CreateRole', RoleName: JOB_REQUEST_ROLE, AssumeRolePolicyDocument: '{}' });
    await iam({
      Action: 'PutRolePolicy',
      RoleName: JOB_REQUEST_ROLE,
      PolicyName: 'artifact-access',
      PolicyDocument: policy(['sts:AssumeRole'], ARTIFACT_ROLE_ARN),
    });
    // AWS's trust names the job request function's role, which covers its sessions; moto matches the caller's ARN exactly, its session's.
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: JOB_REQUEST_SESSION_ARN }, Action: 'sts:AssumeRole' }] };
    await iam({ Action: 'CreateRole', RoleName: ARTIFACT_ROLE, AssumeRolePolicyDocument: JSON.stringify(trust) });
    await iam({
      Action: 'PutRolePolicy',
      RoleName: ARTIFACT_ROLE,
      PolicyName: 'artifact-access',
      PolicyDocument: policy(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], `arn:aws:s3:::${BUCKET}/*`),
    });
    jobRequest = await assumeMotoRole(server.endpoint, `arn:aws:iam::${ACCOUNT}:role/${JOB_REQUEST_ROLE}`, JOB_REQUEST_SESSION);
    await iam({ Action: 'CreateRole', RoleName: OTHER_ROLE, AssumeRolePolicyDocument: '{}' });
    await iam({ Action: 'PutRolePolicy', RoleName: OTHER_ROLE, PolicyName: 'assume', PolicyDocument: policy(['sts:AssumeRole'], ARTIFACT_ROLE_ARN) });
    other = await assumeMotoRole(server.endpoint, `arn:aws:iam::${ACCOUNT}:role/${OTHER_ROLE}`, 'sluice-ci-http');
  });

  afterAll(async () => {
    await stopMotoServer(server);
    await rm(eventsDir, { recursive: true, force: true });
  });

  /** The event the fixture function wrote, once it has. */
  async function receivedEvent(): Promise<LambdaJobEvent['CodePipeline.job']> {
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const [file] = await readdir(eventsDir);
      if (file) return (JSON.parse(await readFile(path.join(eventsDir, file), 'utf8')) as LambdaJobEvent)['CodePipeline.job'];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('The function never received its event.');
  }

  /** The body of the object, once it is there, read with the given credentials. */
  async function bodyOf(credentials: ArtifactCredentialsValue, { bucketName, objectKey }: typeof OUTPUT): Promise<string> {
    for (let attempt = 0; attempt < 600; attempt += 1) {
      try {
        const object = await s3(credentials).send(new GetObjectCommand({ Bucket: bucketName, Key: objectKey }));
        return await object.Body!.transformToString();
      } catch (error) {
        if ((error as Error).name !== 'NoSuchKey') throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`s3://${bucketName}/${objectKey} was never written.`);
  }

  test('the function reads its input artifact and writes its output artifact with them; they reach no other bucket', async () => {
    const now = Date.now();
    const job: JobRecord = {
      jobId: 'b3c1f0e2-7d4a-4c59-9e21-5a8f6d3b2c10',
      nonce: 'nonce',
      status: 'InProgress',
      taskToken: 'token',
      actionTypeId: LAMBDA_JOB_TYPE,
      pipelineName: 'deploy',
      pipelineVersion: 1,
      pipelineExecutionId: 'execution-1',
      stageName: 'Deploy',
      actionName: 'Copy',
      actionExecutionId: 'action-1',
      actionConfiguration: { FunctionName: 'copy-fn', UserParameters: JSON.stringify({ mode: 'copy', report: false }) },
      inputArtifacts: [{ name: 'Src', location: INPUT }],
      outputArtifacts: [{ name: 'Report', location: OUTPUT }],
      lambda: { functionName: 'copy-fn' },
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 20 * 60_000).toISOString(),
    };
    const functions = new HandlerFileFunctions({
      handlers: async () => new Map([['copy-fn', { file: HANDLER, exportName: 'handler' }]]),
      environment: async () => ({
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_S3: server.endpoint,
        LAMBDA_EVENTS_DIR: eventsDir,
      }),
      otherwise: { start: async (name) => Promise.reject(new Error(`${name} has no handler file`)) },
    });
    const deps = {
      jobFunctions: functions,
      artifactCredentials: issuer(jobRequest, JOB_REQUEST_ROLE),
      pipelineArn: (name: string) => `arn:aws:codepipeline:${REGION}:${ACCOUNT}:${name}`,
      customActions: {
        moveJob: async (_jobId: string, _from: unknown, _to: unknown, fields?: Pick<JobRecord, 'failureDetails'>) => {
          throw new Error(`The function was not started: ${fields?.failureDetails?.message}`);
        },
      },
    } as unknown as JobDependencies;

    await startJobFunction(deps, job);

    const event = await receivedEvent();
    const credentials = event.data.artifactCredentials!;
    expect(credentials).toEqual({ accessKeyId: expect.any(String), secretAccessKey: expect.any(String), sessionToken: expect.any(String) });
    expect(credentials.accessKeyId).not.toBe(jobRequest.accessKeyId);
    expect(await bodyOf(credentials, OUTPUT)).toBe('the input artifact');
    await expect(s3(credentials).send(new GetObjectCommand({ Bucket: OTHER_BUCKET, Key: INPUT.objectKey }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });

  test('a role that the artifact access role does not trust gets no session, and the error names the call and the role', async () => {
    const access = { jobId: 'job-2', policy: { Version: '2012-10-17' as const, Statement: [] }, durationSeconds: 900 };
    await expect(issuer(other, OTHER_ROLE).forJob(access)).rejects.toMatchObject({
      name: 'Sluice.AccessDenied',
      message: expect.stringContaining(`${OTHER_ROLE} may not call sts:AssumeRole on ${ARTIFACT_ROLE_ARN}`),
    });
  });

  test('a job with no artifacts gets no credentials, and STS is not asked', async () => {
    await expect(issuer(other, OTHER_ROLE).forJob({ jobId: 'job-3', policy: undefined, durationSeconds: 900 })).resolves.toBeUndefined();
  });
});
