import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { PIPELINE_DEPLOY_VARIABLES } from '../../lib/compose/aws-environment';
import { zipDirectory } from '../../lib/artifacts/zip';
import { s3SourceStage } from '../support/declarations';
import { actionRecord } from '../support/task-payloads';
import { httpApiEvent, httpFunctionEnvironment, invokeHttpFunction } from './support/http-function';
import { ACCOUNT, motoClientConfig, uniqueName } from './support/moto-clients';

const REGION = 'eu-north-1';
const STAGE = 'artifacts';
const BUCKET = 'sluice-artifacts';

describe("an execution's artifact through the http function on AWS (moto): a presigned S3 URL, which the browser follows", () => {
  const config = { ...motoClientConfig(), region: REGION };
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client(config);
  const eventBridge = new EventBridgeClient(config);
  const saved = { ...process.env };
  const table = uniqueName('sluice-artifacts');
  const executionId = uniqueName('execution');
  const location = { bucketName: BUCKET, objectKey: `webapp/SourceOutput/${uniqueName('zip')}.zip` };
  let zip: Buffer;

  beforeAll(async () => {
    const eventBusName = uniqueName('sluice-artifact-events');
    await ensureExecutionTable(dynamodb, table);
    await eventBridge.send(new CreateEventBusCommand({ Name: eventBusName }));
    const blobs = new S3BlobStore(s3);
    await blobs.ensureBucket(BUCKET);
    const app = mkdtempSync(path.join(os.tmpdir(), 'sluice-artifact-download-'));
    writeFileSync(path.join(app, 'index.html'), '<h1>webapp</h1>');
    zip = await buffer(zipDirectory(app));
    await blobs.put(location, zip, { contentType: 'application/zip' });

    const store = new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb), table);
    const pipeline = { name: 'webapp', version: 1, executionId, variables: {} };
    await store.createExecution({
      pipelineName: 'webapp',
      pipelineVersion: 1,
      pipelineExecutionId: executionId,
      status: 'Succeeded',
      startTime: '2026-12-06T01:00:00.000Z',
      lastUpdateTime: '2026-12-06T01:01:00.000Z',
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'arn:aws:iam::123456789012:user/deployer' },
      variables: {},
    });
    await store.putAction({
      ...actionRecord(pipeline, 'Source', s3SourceStage().actions[0]!, 'Succeeded'),
      output: { outputArtifacts: [{ name: 'SourceOutput', s3location: location }], outputVariables: {} },
    });

    Object.assign(process.env, {
      ...httpFunctionEnvironment({ region: REGION, stage: STAGE, table, eventBusName }),
      [PIPELINE_DEPLOY_VARIABLES.logGroupArn]: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/sluice-${STAGE}:*`,
      [PIPELINE_DEPLOY_VARIABLES.stageStep]: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-stage-step`,
      [PIPELINE_DEPLOY_VARIABLES.actionRunner]: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-action-runner`,
      [PIPELINE_DEPLOY_VARIABLES.approvalRequest]: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-approval-request`,
    });
  });

  afterAll(() => {
    process.env = saved;
    for (const client of [dynamodb, s3, eventBridge]) client.destroy();
  });

  it.each(['/api', '/console/api'])(
    'answers %s/executions/{id}/artifacts/{name} with a URL that downloads the stored zip, saved as <name>.zip',
    async (prefix) => {
      const { status, body } = await invokeHttpFunction(httpApiEvent('GET', `${prefix}/executions/${executionId}/artifacts/SourceOutput`));

      expect(status).toBe(200);
      expect(Date.parse(body.expiresAt as string)).toBeGreaterThan(Date.now());
      // S3 answers a GetObject with the headers its signed response-* parameters name (moto 5.2 ignores them, so the URL is read).
      expect(new URL(body.url as string).searchParams.get('response-content-disposition')).toBe('attachment; filename="SourceOutput.zip"');
      // Plain HTTP, with no credentials: the URL carries its signature.
      const download = await fetch(body.url as string);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer())).toEqual(zip);
    },
  );

  it('answers 404 naming the artifacts the execution has, for one it has not', async () => {
    const { status, body } = await invokeHttpFunction(httpApiEvent('GET', `/console/api/executions/${executionId}/artifacts/BuildOutput`));

    expect(status).toBe(404);
    expect(body.message).toBe(`Execution ${executionId} has no output artifact BuildOutput. Its output artifacts: SourceOutput.`);
  });

  it('refuses the object to a URL without the signature, and the signature to another object', async () => {
    const { body } = await invokeHttpFunction(httpApiEvent('GET', `/api/executions/${executionId}/artifacts/SourceOutput`));
    const other = new URL(body.url as string);
    other.pathname = other.pathname.replace('.zip', '-other.zip');

    expect((await fetch(other)).status).toBe(403);
    const unsigned = new URL(body.url as string);
    unsigned.search = '';
    expect((await fetch(unsigned)).status).toBe(403);
  });

  it('answers 404 for an execution that does not exist', async () => {
    const { status, body } = await invokeHttpFunction(httpApiEvent('GET', '/api/executions/no-such-execution/artifacts/SourceOutput'));

    expect(status).toBe(404);
    expect(body.message).toContain('There is no execution no-such-execution');
  });
});
