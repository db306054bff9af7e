import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { actionRecord } from '../support/task-payloads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeStateMachineCommand, SendTaskSuccessCommand, SFNClient, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { SECRET_PLACEHOLDER } from '../../lib/adapters/aws/secrets-manager-secret';
import { PIPELINE_DEPLOY_VARIABLES } from '../../lib/compose/aws-environment';
import type { FunctionArns } from '../../lib/core/compile';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import type { ActionStepResult } from '../../lib/core/task-payloads';
import { AUDIT_DETAIL_TYPE } from '../../lib/core/audit';
import { API_CALLER_ARN, httpApiEvent, httpFunctionEnvironment, invokeHttpFunction } from './support/http-function';
import { SqsQueue } from './support/sqs-queue';
import { ACCOUNT, motoClientConfig, queueLambdaAnswers, uniqueName } from './support/moto-clients';
import { endStatus, waitingForApproval } from './support/moto-executions';
import { reviewStage, s3SourceStage } from '../support/declarations';

/**
 * A region of its own: moto 5.2 runs one execution per account and region (test/aws/step-functions.test.ts
 * tells why), the handler's clients use moto's default account, and the Lambda answers queued here
 * must be taken by this execution only.
 */
const REGION = 'ca-central-1';
const STAGE = 'api';
const STATE_MACHINE_ROLE = `arn:aws:iam::${ACCOUNT}:role/sluice-states`;
const LOG_GROUP = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/sluice-${STAGE}:*`;
const FUNCTIONS: FunctionArns = {
  stageStep: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-stage-step`,
  actionRunner: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-action-runner`,
  approvalRequest: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-approval-request`,
};
const SOURCE_ARTIFACT = { bucketName: 'sluice-artifacts', objectKey: 'webapp/SourceOutput/abc123.zip' };

/** Source, then a Manual approval that holds the execution RUNNING until it is stopped. */
function declaration(name: string): PipelineDeclaration {
  return {
    name,
    stages: [s3SourceStage(), reviewStage('Approve')],
  };
}

/**
 * moto 5.2 cannot start an execution on a version ARN (test/aws/aws-pipeline-operations.test.ts
 * tells why). The function builds its own client, so every client's sends are watched: each
 * StartExecution's target is recorded, which is what this test checks, and the execution starts
 * on the state machine itself, which holds the same definition.
 */
function startOnStateMachineItself(targets: string[]) {
  const send = SFNClient.prototype.send as (this: SFNClient, ...args: unknown[]) => Promise<unknown>;
  return jest.spyOn(SFNClient.prototype, 'send').mockImplementation(function (this: SFNClient, command: unknown, ...rest: unknown[]) {
    if (command instanceof StartExecutionCommand) {
      targets.push(command.input.stateMachineArn!);
      command.input.stateMachineArn = command.input.stateMachineArn!.replace(/:\d+$/, '');
    }
    return send.call(this, command, ...rest);
  } as never);
}

const api = (method: string, path: string, body?: unknown) =>
  invokeHttpFunction(httpApiEvent(method, `/api${path}`, body === undefined ? {} : { body: JSON.stringify(body) }));

describe('/api on AWS (moto): pipelines registered, started and stopped through the http function', () => {
  const config = { ...motoClientConfig(), region: REGION };
  const dynamodb = new DynamoDBClient(config);
  const eventBridge = new EventBridgeClient(config);
  const secretsManager = new SecretsManagerClient(config);
  const sfn = new SFNClient(config);
  const startTargets: string[] = [];
  const saved = { ...process.env };
  let auditEvents: SqsQueue;
  const table = uniqueName('sluice-api');

  beforeAll(async () => {
    const eventBusName = uniqueName('sluice-api-events');
    await ensureExecutionTable(dynamodb, table);
    await eventBridge.send(new CreateEventBusCommand({ Name: eventBusName }));
    auditEvents = await SqsQueue.create(uniqueName('audit-records'), REGION);
    const rule = uniqueName('audit');
    await eventBridge.send(
      new PutRuleCommand({ Name: rule, EventBusName: eventBusName, EventPattern: JSON.stringify({ source: ['sluice'], 'detail-type': [AUDIT_DETAIL_TYPE] }) }),
    );
    await eventBridge.send(new PutTargetsCommand({ Rule: rule, EventBusName: eventBusName, Targets: [{ Id: 'audit', Arn: auditEvents.arn }] }));
    const gitHubTokenSecretArn = (
      await secretsManager.send(new CreateSecretCommand({ Name: uniqueName('sluice/api/github-token'), SecretString: SECRET_PLACEHOLDER }))
    ).ARN!;
    Object.assign(process.env, {
      ...httpFunctionEnvironment({ region: REGION, stage: STAGE, table, eventBusName, gitHubTokenSecretArn, stateMachineRoleArn: STATE_MACHINE_ROLE }),
      [PIPELINE_DEPLOY_VARIABLES.logGroupArn]: LOG_GROUP,
      [PIPELINE_DEPLOY_VARIABLES.stageStep]: FUNCTIONS.stageStep,
      [PIPELINE_DEPLOY_VARIABLES.actionRunner]: FUNCTIONS.actionRunner,
      [PIPELINE_DEPLOY_VARIABLES.approvalRequest]: FUNCTIONS.approvalRequest,
    });
    startOnStateMachineItself(startTargets);
  });

  afterAll(() => {
    jest.restoreAllMocks();
    process.env = saved;
    for (const client of [dynamodb, eventBridge, secretsManager, sfn]) client.destroy();
  });

  it('publishes the state machine of a pipeline created through POST /api/pipelines, runs an execution on it, stops it, and deletes it', async () => {
    const name = uniqueName('webapp');
    // moto's Lambda echoes a payload unless an answer is queued. The stage steps ignore their
    // answer, and the source action returns its artifact: one answer fits both.
    const sourceResult: ActionStepResult = { artifacts: [SOURCE_ARTIFACT], variables: {} };
    await queueLambdaAnswers([sourceResult, sourceResult], REGION);

    // Creating it starts its first execution, as CodePipeline does.
    const created = await api('POST', '/pipelines', { pipeline: declaration(name) });
    expect(created.status).toBe(200);
    const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:sluice-${STAGE}-${name}`;
    expect(created.body).toMatchObject({
      name,
      version: 1,
      stateMachineArn,
      versionArn: `${stateMachineArn}:1`,
      firstExecution: { pipelineExecutionId: expect.any(String) },
    });
    const published = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${stateMachineArn}:1` }));
    expect(published.definition).toContain(FUNCTIONS.approvalRequest);
    expect(published.roleArn).toBe(STATE_MACHINE_ROLE);
    // The logging and tracing that the CLI gives a state machine, and serverless.yml the shipped one.
    expect(published.loggingConfiguration).toEqual({
      level: 'ERROR',
      includeExecutionData: false,
      destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: LOG_GROUP } }],
    });
    expect(published.tracingConfiguration).toEqual({ enabled: true });

    const { pipelineExecutionId } = created.body.firstExecution as { pipelineExecutionId: string };
    expect(startTargets).toEqual([`${stateMachineArn}:1`]);
    const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${pipelineExecutionId}`;
    expect((await api('GET', `/executions/${pipelineExecutionId}`)).body.execution).toMatchObject({ status: 'InProgress', engineExecutionArn: executionArn });
    const taskToken = await waitingForApproval(sfn, executionArn);

    // A stop that waits leaves the execution Stopping while the approval, which moto's Lambda does
    // not run but would have recorded in progress, waits; an abandon escalates it.
    const documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    const pipelineRef = { name, version: 1, executionId: pipelineExecutionId, variables: {} };
    await new DynamoDbExecutionStore(documents, table).putAction(actionRecord(pipelineRef, 'Review', reviewStage('Approve').actions[0]!, 'InProgress'));
    const waiting = await api('POST', `/pipelines/${name}/executions/${pipelineExecutionId}/stop`, { reason: 'stopping through the API' });
    expect(waiting).toEqual({ status: 200, body: { pipelineExecutionId } });
    expect((await api('GET', `/executions/${pipelineExecutionId}`)).body.execution).toMatchObject({ status: 'Stopping' });
    const stopped = await api('POST', `/pipelines/${name}/executions/${pipelineExecutionId}/stop`, { reason: 'stopped through the API', abandon: true });
    expect(stopped).toEqual({ status: 200, body: { pipelineExecutionId } });
    expect((await api('GET', `/executions/${pipelineExecutionId}`)).body.execution).toMatchObject({
      status: 'Stopped',
      statusSummary: 'stopped through the API',
    });
    // moto's interpreter notices a stop only when the Task it waits in returns (AWS aborts at once).
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ status: 'Approved' }) }));
    expect(await endStatus(sfn, executionArn)).toBe('ABORTED');

    expect(await api('DELETE', `/pipelines/${name}`)).toEqual({ status: 200, body: { deleted: name } });
    await expect(sfn.send(new DescribeStateMachineCommand({ stateMachineArn }))).rejects.toBeInstanceOf(StateMachineDoesNotExist);

    // Each operation that succeeded is in the table as the IAM principal's, both stops with their reasons, and each went out on the bus.
    const audit = await api('GET', '/audit');
    const caller = { who: API_CALLER_ARN, from: '192.0.2.1' };
    const expected = [
      expect.objectContaining({ ...caller, operation: 'DeletePipeline', pipelineName: name }),
      expect.objectContaining({
        ...caller,
        operation: 'StopPipelineExecution',
        pipelineExecutionId,
        parameters: { abandon: true },
        reason: 'stopped through the API',
      }),
      expect.objectContaining({
        ...caller,
        operation: 'StopPipelineExecution',
        pipelineExecutionId,
        parameters: { abandon: false },
        reason: 'stopping through the API',
      }),
      expect.objectContaining({ ...caller, operation: 'CreatePipeline', pipelineExecutionId, parameters: { version: 1 } }),
    ];
    expect(audit).toEqual({ status: 200, body: { items: expected } });
    const announced = (await auditEvents.receiveBodies(1000)).map((body) => JSON.parse(body));
    expect(announced.map((event) => event.detail).reverse()).toEqual(expected);
  }, 30_000);

  it.each(['web.app', 'team@webapp'])(
    'refuses a pipeline named %s, which Step Functions would refuse for a state machine that logs, with a 400 naming it, and creates nothing',
    async (name) => {
      const created = await api('POST', '/pipelines', { pipeline: declaration(name) });
      expect(created.status).toBe(400);
      expect(JSON.stringify(created.body)).toContain(`Pipeline name \\"${name}\\" cannot name a state machine on AWS`);
      await expect(
        sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:sluice-${STAGE}-${name}` })),
      ).rejects.toThrow();
      expect((await api('GET', `/pipelines/${encodeURIComponent(name)}`)).status).toBe(404);
    },
  );
});
