import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { providerCatalog } from '../../lib/actions/registry';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { validatePipeline } from '../../lib/core/validate';
import { reviewStage, s3SourceStage } from '../support/declarations';
import { httpFunctionEnvironment } from './support/http-function';
import { ACCOUNT, motoClientConfig, uniqueName } from './support/moto-clients';
import { registerOnStateMachine, STATE_MACHINE_ROLE } from './support/state-machine-pipelines';

/**
 * A region of its own: moto 5.2 runs one execution per account and region (test/aws/step-functions.test.ts
 * tells why), and the function's clients, built from the environment as in Lambda, use moto's default account.
 */
const REGION = 'ap-northeast-1';
const STAGE = 'sourcepoll';

const config = { ...motoClientConfig(), region: REGION };
const dynamodb = new DynamoDBClient(config);
const sfn = new SFNClient(config);
const s3 = new S3Client(config);
const eventBridge = new EventBridgeClient(config);

/** What EventBridge hands the function at each minute of SourcePollSchedule. */
const tick: ScheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: '2026-12-07T12:00:00Z',
  region: REGION,
  resources: [`arn:aws:events:${REGION}:${ACCOUNT}:rule/sluice-${STAGE}-SourcePollSchedule`],
  detail: {},
};

const context = {
  awsRequestId: 'test-request',
  functionName: `sluice-${STAGE}-sourcePoll`,
  getRemainingTimeInMillis: () => 50_000,
} as unknown as Context;

/** The S3 source Fetch of `bucket`/`key`, with PollForSourceChanges as given, then a Manual approval; validated for the aws runtime. */
function declaration(name: string, bucket: string, key: string, PollForSourceChanges: 'true' | 'false'): PipelineDeclaration {
  const source = s3SourceStage({ bucket, key });
  source.actions[0]!.configuration = { ...source.actions[0]!.configuration, PollForSourceChanges };
  const validation = validatePipeline({ name, stages: [source, reviewStage('Approve')] }, providerCatalog, { runtime: 'aws' });
  if (!validation.ok) throw new Error(JSON.stringify(validation.problems));
  return validation.pipeline;
}

describe('the sourcePoll function on AWS (moto): a scheduled look at the S3 sources with PollForSourceChanges true', () => {
  const table = uniqueName('sluice-sourcepoll');
  const bucket = uniqueName('sluice-sources');
  const key = 'webapp.zip';
  const polled = uniqueName('polled');
  const evented = uniqueName('evented');
  const store = new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }), table);
  const saved = { ...process.env };
  let stateMachineArn: string;
  let handler: typeof import('../../functions/events/source-poll').handler;

  const register = (pipeline: PipelineDeclaration) => registerOnStateMachine({ sfn, store }, { region: REGION, stage: STAGE }, pipeline);
  const upload = async (body: string) => (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId!;
  const runs = async () => (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions ?? [];

  beforeAll(async () => {
    await ensureExecutionTable(dynamodb, table);
    const busName = uniqueName('sluice-sourcepoll-events');
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REGION } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    stateMachineArn = await register(declaration(polled, bucket, key, 'true'));
    await register(declaration(evented, bucket, key, 'false'));
    Object.assign(
      process.env,
      httpFunctionEnvironment({ region: REGION, stage: STAGE, table, eventBusName: busName, stateMachineRoleArn: STATE_MACHINE_ROLE }),
    );
    // compose/aws.ts reads the environment once, as a Lambda container does: loaded after it is set.
    ({ handler } = await import('../../functions/events/source-poll'));
  });

  afterAll(() => {
    process.env = saved;
    for (const client of [dynamodb, sfn, s3, eventBridge]) client.destroy();
  });

  it('notes the version at its first look, starts one execution pinned to a new version, and none when nothing changed since', async () => {
    const first = await upload('first');

    await handler(tick, context);
    expect(await store.getPolledRevision(polled, 'Fetch')).toBe(first);
    expect(await store.listExecutions(polled)).toEqual([]);
    expect(await runs()).toEqual([]);

    const second = await upload('second');
    await handler(tick, context);

    const executions = await store.listExecutions(polled);
    expect(executions).toEqual([
      expect.objectContaining({
        status: 'InProgress',
        trigger: { triggerType: 'PollForSourceChanges', triggerDetail: `s3://${bucket}/${key} version ${second}` },
        sourceRevisions: [{ actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: second }],
      }),
    ]);
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executions[0]!.pipelineExecutionId}`;
    expect(executions[0]!.engineExecutionArn).toBe(executionArn);
    expect((await runs()).map((run) => run.executionArn)).toEqual([executionArn]);
    expect(await store.getPolledRevision(polled, 'Fetch')).toBe(second);

    await handler(tick, context);

    expect((await store.listExecutions(polled)).map((execution) => execution.pipelineExecutionId)).toEqual([executions[0]!.pipelineExecutionId]);
    expect(await runs()).toHaveLength(1);
    // A source whose PollForSourceChanges is false is the event rule's, which the poll never reads.
    expect(await store.getPolledRevision(evented, 'Fetch')).toBeUndefined();
    expect(await store.listExecutions(evented)).toEqual([]);
  });
});
