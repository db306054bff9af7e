import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateStateMachineCommand, DescribeExecutionCommand, StartExecutionCommand, StopExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import type { StateMachineExecutionChange } from '../../lib/core/engine-run-end';
import type { EventPattern } from '../../lib/core/event-pattern';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../lib/core/events';
import { COMMIT_STATUS_EVENT_PATTERN } from '../../lib/execution/commit-statuses';
import { createIdempotencyTable, httpFunctionEnvironment } from './support/http-function';
import { ACCOUNT, REGION, motoClientConfig, uniqueName } from './support/moto-clients';
import { endStatus, sfnInOwnAccount } from './support/moto-executions';
import { SqsQueue } from './support/sqs-queue';

const STAGE = 'reconcile';
const context = {
  awsRequestId: 'test-request',
  functionName: `sluice-${STAGE}-executionReconciler`,
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** serverless.yml's PipelineFailedRule, which mails its events to the alerts topic (test/stack checks the two are equal). */
const PIPELINE_FAILED_PATTERN: EventPattern = { source: [EVENT_SOURCE], 'detail-type': [DETAIL_TYPES.pipeline], detail: { state: ['FAILED'] } };

describe('the execution reconciler on AWS (moto)', () => {
  const dynamodb = new DynamoDBClient(motoClientConfig());
  const eventBridge = new EventBridgeClient(motoClientConfig());
  const sfnClients: SFNClient[] = [];
  const table = uniqueName('sluice-reconcile');
  const busName = uniqueName('sluice-reconcile');
  const store = new DynamoDbExecutionStore(DynamoDBDocumentClient.from(dynamodb), table);
  const saved = { ...process.env };
  /** What the bus delivers: every event, and those of the alert mail's rule and the commit status's rule. */
  const queues: Record<'all' | 'alerts' | 'statuses', SqsQueue> = {} as never;
  let handler: typeof import('../../functions/events/execution-reconciler').handler;

  async function route(name: keyof typeof queues, pattern: EventPattern): Promise<void> {
    queues[name] = await SqsQueue.create(uniqueName(`reconcile-${name}`));
    const rule = uniqueName(`reconcile-${name}`);
    await eventBridge.send(new PutRuleCommand({ Name: rule, EventBusName: busName, EventPattern: JSON.stringify(pattern) }));
    await eventBridge.send(new PutTargetsCommand({ Rule: rule, EventBusName: busName, Targets: [{ Id: name, Arn: queues[name].arn }] }));
  }

  beforeAll(async () => {
    await ensureExecutionTable(dynamodb, table);
    const environment = httpFunctionEnvironment({
      region: REGION,
      stage: STAGE,
      table,
      eventBusName: busName,
    });
    await createIdempotencyTable(dynamodb, environment);
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    await route('all', { source: [EVENT_SOURCE] });
    await route('alerts', PIPELINE_FAILED_PATTERN);
    await route('statuses', COMMIT_STATUS_EVENT_PATTERN);
    Object.assign(process.env, environment);
    ({ handler } = await import('../../functions/events/execution-reconciler'));
  });

  afterAll(() => {
    process.env = saved;
    for (const client of [dynamodb, eventBridge, ...sfnClients]) client.destroy();
  });

  /** A Sluice execution in its Build stage, with Compile running, on a state machine execution named after it. */
  async function executionMidStage(): Promise<{ sfn: SFNClient; executionId: string; executionArn: string }> {
    const sfn = sfnInOwnAccount();
    sfnClients.push(sfn);
    const executionId = randomUUID();
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: uniqueName(`sluice-${STAGE}-webapp`),
        definition: JSON.stringify({ StartAt: 'Build (enter)', States: { 'Build (enter)': { Type: 'Wait', Seconds: 3600, End: true } } }),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/sluice`,
        type: 'STANDARD',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn,
        name: executionId,
        input: JSON.stringify({ pipeline: { name: 'webapp', version: 1, executionId, variables: {} } }),
      }),
    );
    const at = new Date().toISOString();
    await store.createExecution({
      pipelineName: 'webapp',
      pipelineVersion: 1,
      pipelineExecutionId: executionId,
      status: 'InProgress',
      startTime: at,
      lastUpdateTime: at,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'moto' },
      variables: {},
    });
    await store.recordEngineExecution(executionId, executionArn!);
    await store.putStage({ pipelineExecutionId: executionId, stageName: 'Build', status: 'InProgress', startTime: at, lastUpdateTime: at });
    await store.putAction({
      pipelineExecutionId: executionId,
      stageName: 'Build',
      actionName: 'Compile',
      actionExecutionId: randomUUID(),
      status: 'InProgress',
      startTime: at,
      lastUpdateTime: at,
      input: {
        actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
        configuration: { ProjectName: 'webapp' },
        resolvedConfiguration: { ProjectName: 'webapp' },
        inputArtifacts: [],
      },
    });
    return { sfn, executionId, executionArn: executionArn! };
  }

  /**
   * Step Functions' event for an execution that StopExecution stopped: its detail holds what
   * DescribeExecution answers once moto's interpreter has stopped it in the background, and the
   * error and cause it was stopped with, which moto does not keep.
   */
  async function stopped(
    sfn: SFNClient,
    executionArn: string,
    stop: { error?: string; cause: string },
  ): Promise<EventBridgeEvent<'Step Functions Execution Status Change', StateMachineExecutionChange>> {
    await sfn.send(new StopExecutionCommand({ executionArn, ...stop }));
    await endStatus(sfn, executionArn);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: executionArn.split(':')[4]!,
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      region: REGION,
      resources: [executionArn],
      detail: {
        executionArn,
        stateMachineArn: described.stateMachineArn!,
        name: described.name!,
        status: described.status as StateMachineExecutionChange['status'],
        error: described.error ?? stop.error ?? null,
        cause: described.cause ?? stop.cause,
      },
    };
  }

  const delivered = async (queue: keyof typeof queues) => (await queues[queue].receiveBodies(700)).map((body) => JSON.parse(body));

  it('ends an execution aborted from the console mid-stage Failed, with one FAILED event for the alert mail and the commit status, and changes nothing on a second delivery', async () => {
    const { sfn, executionId, executionArn } = await executionMidStage();
    const event = await stopped(sfn, executionArn, { cause: 'Stopped from the console' });
    expect(event.detail.status).toBe('ABORTED');

    expect(await handler(event, context)).toEqual({ outcome: 'failed' });
    const summary = 'Build/Compile failed: The state machine execution was aborted: Stopped from the console';
    const ended = await store.getExecution(executionId);
    expect(ended).toMatchObject({ status: 'Failed', statusSummary: summary });
    expect(await store.listStages(executionId)).toEqual([expect.objectContaining({ status: 'Failed' })]);
    expect(await store.listActions(executionId)).toEqual([
      expect.objectContaining({
        status: 'Failed',
        errorDetails: { code: 'JobFailed', message: 'The state machine execution was aborted: Stopped from the console' },
      }),
    ]);
    const published = (await delivered('all')).filter((entry) => entry.detail['execution-id'] === executionId);
    expect(published.map((entry) => [entry['detail-type'], entry.detail.state])).toEqual([
      [DETAIL_TYPES.action, 'FAILED'],
      [DETAIL_TYPES.stage, 'FAILED'],
      [DETAIL_TYPES.pipeline, 'FAILED'],
    ]);
    for (const rule of ['alerts', 'statuses'] as const) {
      expect((await delivered(rule)).map((entry) => entry.detail)).toEqual([
        expect.objectContaining({
          pipeline: 'webapp',
          'execution-id': executionId,
          state: 'FAILED',
          'execution-result': { 'external-execution-summary': summary },
        }),
      ]);
    }

    // EventBridge delivers again, with the same id; a second rule delivery would have another.
    expect(await handler(event, context)).toEqual({ outcome: 'failed' });
    expect(await handler({ ...event, id: randomUUID() }, context)).toEqual({ outcome: 'already ended' });
    expect(await store.getExecution(executionId)).toEqual(ended);
    expect(await delivered('all')).toEqual([]);
  }, 20_000);

  it('leaves alone an execution StopPipelineExecution stopped, and one that is not in its table', async () => {
    const { sfn, executionId, executionArn } = await executionMidStage();
    await store.finishExecution(executionId, 'Stopped', 'Stopped by alice', new Date().toISOString());
    const stopEvent = await stopped(sfn, executionArn, { error: 'Sluice.Stopped', cause: 'Stopped by alice' });
    const stranger = await executionMidStage();
    const strangerEvent = await stopped(stranger.sfn, stranger.executionArn, { cause: 'Stopped from the console' });

    expect(await handler(stopEvent, context)).toEqual({ outcome: 'already ended' });
    expect(await handler({ ...strangerEvent, detail: { ...strangerEvent.detail, name: randomUUID() } }, context)).toEqual({ outcome: 'not ours' });

    expect(await store.getExecution(executionId)).toMatchObject({ status: 'Stopped', statusSummary: 'Stopped by alice' });
    expect(await store.getExecution(stranger.executionId)).toMatchObject({ status: 'InProgress' });
    expect(await delivered('all')).toEqual([]);
  });
});
