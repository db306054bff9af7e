import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse, Context } from 'aws-lambda';
import { CREATE_FAILED } from '../../lib/adapters/aws/cloudformation-response';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import type { StackPipelineProperties } from '../../lib/operations/stack-pipelines';
import { loadValid } from '../support/fixtures';
import { httpFunctionEnvironment } from './support/http-function';
import { ACCOUNT, REGION, motoClientConfig, uniqueName } from './support/moto-clients';

const FILE = 'pipelines/webapp.yml';
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/sluice-registration/${randomUUID()}`;
const SERVICE_TOKEN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-registration-pipelineCloudFormationCustomResourceEvent`;
const context = {
  awsRequestId: 'test-request',
  functionName: 'sluice-registration-pipelineCloudFormationCustomResourceEvent',
  logStreamName: '2026/01/01/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** An answer as CloudFormation's pre-signed response URL received it. */
interface ReceivedAnswer {
  method: string;
  headers: IncomingHttpHeaders;
  body: CloudFormationCustomResourceResponse;
}

/** Stands for the S3 bucket behind CloudFormation's pre-signed response URLs: keeps every answer PUT to it. */
async function responseBucket(): Promise<{ url: string; answers: ReceivedAnswer[]; server: Server }> {
  const answers: ReceivedAnswer[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      answers.push({ method: request.method!, headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cloudformation-response`, answers, server };
}

/** The shipped pipeline under a name of this test's own, as packaging hands it over. */
function properties(name: string, version: number, deployActionName = 'Website'): StackPipelineProperties {
  const declaration = loadValid(FILE);
  const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:sluice-registration-${name}`;
  // A changed declaration, as a changed file makes one: the deploy action is renamed.
  const stages = declaration.stages.map((stage) =>
    stage.name === 'Deploy' ? { ...stage, actions: stage.actions.map((action) => ({ ...action, name: deployActionName })) } : stage,
  );
  return {
    File: FILE,
    Declaration: JSON.stringify({ ...declaration, name, stages }),
    StateMachineArn: stateMachineArn,
    VersionArn: `${stateMachineArn}:${version}`,
  };
}

describe('the registration of pipelines/*.yml on AWS (moto): Custom::SluicePipeline', () => {
  const dynamodb = new DynamoDBClient(motoClientConfig());
  const table = uniqueName('sluice-registration');
  const store = new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb), table);
  const saved = { ...process.env };
  let bucket: Awaited<ReturnType<typeof responseBucket>>;
  let handler: typeof import('../../functions/events/pipeline-registration').handler;

  beforeAll(async () => {
    await ensureExecutionTable(dynamodb, table);
    bucket = await responseBucket();
    Object.assign(
      process.env,
      httpFunctionEnvironment({
        region: REGION,
        stage: 'registration',
        table,
        eventBusName: 'sluice-registration',
      }),
    );
    ({ handler } = await import('../../functions/events/pipeline-registration'));
  });

  afterAll(async () => {
    process.env = saved;
    dynamodb.destroy();
    await new Promise((resolve) => bucket.server.close(resolve));
  });

  /** A request as CloudFormation sends it, with the resource's properties; each has a response URL of its own. */
  function request(
    type: CloudFormationCustomResourceEvent['RequestType'],
    resourceProperties: StackPipelineProperties,
    physicalResourceId?: string,
  ): CloudFormationCustomResourceEvent {
    const requestId = randomUUID();
    const ResourceProperties = { ServiceToken: SERVICE_TOKEN, ServiceTimeout: '300', ...resourceProperties };
    return {
      RequestType: type,
      ServiceToken: SERVICE_TOKEN,
      ResponseURL: `${bucket.url}?request=${requestId}`,
      StackId: STACK_ID,
      RequestId: requestId,
      LogicalResourceId: 'WebappPipeline',
      ResourceType: 'Custom::SluicePipeline',
      ResourceProperties,
      ...(physicalResourceId ? { PhysicalResourceId: physicalResourceId } : {}),
      ...(type === 'Update' ? { OldResourceProperties: ResourceProperties } : {}),
    } as CloudFormationCustomResourceEvent;
  }

  /** Invokes the function with the request, and returns the one answer it PUT to the request's URL. */
  async function answerTo(event: CloudFormationCustomResourceEvent): Promise<ReceivedAnswer> {
    const before = bucket.answers.length;
    await handler(event, context).catch(() => undefined);
    const answers = bucket.answers.slice(before);
    expect(answers).toHaveLength(1);
    return answers[0]!;
  }

  const answerFields = (event: CloudFormationCustomResourceEvent) => ({
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });

  it("records version 1 on Create, version 2 on Update, each as the stack's, and removes the pipeline on Delete", async () => {
    const name = uniqueName('webapp');

    const create = request('Create', properties(name, 1));
    const created = await answerTo(create);
    expect(created.method).toBe('PUT');
    // The URL is pre-signed for no content type.
    expect(created.headers['content-type']).toBe('');
    expect(created.body).toEqual({ Status: 'SUCCESS', PhysicalResourceId: name, ...answerFields(create) });
    const first = await store.getPipeline(name);
    expect(first).toMatchObject({
      name,
      version: 1,
      stateMachineArn: properties(name, 1).StateMachineArn,
      versionArn: properties(name, 1).VersionArn,
      managedBy: { stackId: STACK_ID, file: FILE },
    });
    expect(first!.declaration).toEqual({ ...JSON.parse(properties(name, 1).Declaration), version: 1 });

    const update = request('Update', properties(name, 2, 'Site'), name);
    expect((await answerTo(update)).body).toEqual({ Status: 'SUCCESS', PhysicalResourceId: name, ...answerFields(update) });
    const second = await store.getPipeline(name);
    expect(second).toMatchObject({ version: 2, versionArn: properties(name, 2).VersionArn, managedBy: { stackId: STACK_ID, file: FILE } });
    expect(second!.declaration.stages.at(-1)!.actions[0]!.name).toBe('Site');
    expect(await store.getPipeline(name, 1)).toMatchObject({ versionArn: properties(name, 1).VersionArn });

    const remove = request('Delete', properties(name, 2, 'Site'), name);
    expect((await answerTo(remove)).body).toEqual({ Status: 'SUCCESS', PhysicalResourceId: name, ...answerFields(remove) });
    expect(await store.getPipeline(name)).toBeUndefined();
    expect(await store.getPipeline(name, 1)).toBeUndefined();
  });

  it('answers FAILED with the problem when the declaration does not validate, records nothing, and answers the Delete of the rollback at once', async () => {
    const name = uniqueName('webapp');
    const broken = properties(name, 1);
    const declaration = JSON.parse(broken.Declaration) as PipelineDeclaration;
    declaration.stages.at(-1)!.actions[0]!.inputArtifacts = [{ name: 'Nowhere' }];
    broken.Declaration = JSON.stringify(declaration);

    const create = request('Create', broken);
    await expect(handler(create, context)).rejects.toThrow('The declaration is not valid');
    const failed = bucket.answers.at(-1)!;
    expect(failed.body).toEqual({
      Status: 'FAILED',
      PhysicalResourceId: CREATE_FAILED,
      Reason: expect.stringContaining('No action produces an artifact named "Nowhere"'),
      ...answerFields(create),
    });
    expect((failed.body as { Reason: string }).Reason).toContain(context.logStreamName);
    expect(await store.getPipeline(name)).toBeUndefined();

    const rollback = request('Delete', broken, CREATE_FAILED);
    expect((await answerTo(rollback)).body).toEqual({ Status: 'SUCCESS', PhysicalResourceId: CREATE_FAILED, ...answerFields(rollback) });
  });

  it('keeps the resource it has when an Update fails, so that CloudFormation does not replace it', async () => {
    const name = uniqueName('webapp');
    await answerTo(request('Create', properties(name, 1)));
    const broken = { ...properties(name, 2), Declaration: '{"name":' };

    const update = request('Update', broken, name);
    expect((await answerTo(update)).body).toEqual({ Status: 'FAILED', PhysicalResourceId: name, Reason: expect.any(String), ...answerFields(update) });
    expect(await store.getPipeline(name)).toMatchObject({ version: 1 });
  });

  it('leaves a pipeline of the same name that the stack does not manage alone on Delete', async () => {
    const name = uniqueName('webapp');
    const { Declaration, StateMachineArn, VersionArn } = properties(name, 1);
    await store.putPipelineVersion({
      name,
      version: 1,
      declaration: JSON.parse(Declaration),
      created: new Date().toISOString(),
      stateMachineArn: StateMachineArn,
      versionArn: VersionArn,
    });

    expect((await answerTo(request('Delete', properties(name, 1), name))).body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: name });
    expect(await store.getPipeline(name)).toMatchObject({ version: 1 });
  });
});
