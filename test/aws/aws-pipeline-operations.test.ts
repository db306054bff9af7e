import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StateMachineDoesNotExist,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomInt } from 'node:crypto';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { actionRecord } from '../support/task-payloads';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { StepFunctionsEngine } from '../../lib/adapters/aws/step-functions-engine';
import { awsCliOperations, type AwsCliSettings } from '../../lib/compose/aws-cli';
import { compilePipeline } from '../../lib/core/compile';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { BadInputError, NotFoundError } from '../../lib/core/errors';
import type { ActionStepResult } from '../../lib/core/task-payloads';
import type { PipelineOperations } from '../../lib/operations/pipeline-operations';
import { ACCOUNT, motoClientConfig, queueLambdaAnswers, uniqueName } from './support/moto-clients';
import { endStatus, inMotoAccount, waitingForApproval } from './support/moto-executions';
import { providerCatalog } from '../../lib/actions/registry';
import { reviewStage, s3SourceStage } from '../support/declarations';

/**
 * The state machines run in a region that no other test file uses, so that the Lambda answers
 * queued here are taken by these executions only.
 */
const ENGINE_REGION = 'eu-west-3';
const STAGE = 'contract';
/**
 * The state machines' account, one of their own: moto 5.2 deep-copies its whole Step Functions
 * backend at StartExecution, which fails once an execution has run in that account and region
 * (test/aws/step-functions.test.ts tells more).
 */
const ENGINE_ACCOUNT = String(randomInt(100_000_000_000, 999_999_999_999));
const SOURCE_ARTIFACT = { bucketName: 'sluice-artifacts', objectKey: 'webapp/SourceOutput/abc123.zip' };

const settings = (table: string, busName: string): AwsCliSettings => ({
  tableName: table,
  artifactBucket: 'sluice-artifacts',
  eventBusName: busName,
  approvalTopicArn: `arn:aws:sns:${ENGINE_REGION}:${ACCOUNT}:sluice-approvals`,
  publicUrl: 'https://sluice.example.com/',
  pipelineArnPrefix: `arn:aws:codepipeline:${ENGINE_REGION}:${ACCOUNT}:`,
  // Step Functions takes only a role of the state machine's own account.
  stateMachineRoleArn: `arn:aws:iam::${ENGINE_ACCOUNT}:role/sluice-states`,
  stateMachineLogGroupArn: `arn:aws:logs:${ENGINE_REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/sluice-${STAGE}:*`,
  functions: {
    stageStep: `arn:aws:lambda:${ENGINE_REGION}:${ACCOUNT}:function:sluice-stage-step`,
    actionRunner: `arn:aws:lambda:${ENGINE_REGION}:${ACCOUNT}:function:sluice-action-runner`,
    approvalRequest: `arn:aws:lambda:${ENGINE_REGION}:${ACCOUNT}:function:sluice-approval-request`,
  },
});

/** Source, then a Manual approval that holds the execution RUNNING until it is stopped. */
function declaration(name: string, reviewer: string): PipelineDeclaration {
  return {
    name,
    stages: [s3SourceStage(), reviewStage(reviewer)],
  };
}

/**
 * A Step Functions client in the engine's account (moto takes it from a header).
 *
 * moto 5.2 cannot start an execution on a version ARN: its interpreter calls a method that
 * only unversioned state machines have, and answers 500. The client records where each
 * StartExecution was aimed, which is what this test checks, and sends it to the state machine
 * itself, which holds the same definition until the update.
 */
function engineClient(startTargets: string[]): SFNClient {
  const client = new SFNClient({ ...motoClientConfig(), region: ENGINE_REGION });
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'StartExecutionCommand') {
        const input = args.input as StartExecutionCommandInput;
        startTargets.push(input.stateMachineArn!);
        input.stateMachineArn = input.stateMachineArn!.replace(/:\d+$/, '');
      }
      return next(args);
    },
    { step: 'initialize', name: 'motoVersionTarget' },
  );
  return inMotoAccount(client, ENGINE_ACCOUNT);
}

describe('pipelines at run time on Step Functions (moto)', () => {
  const table = uniqueName('sluice-runtime');
  const busName = uniqueName('sluice-runtime-events');
  const startTargets: string[] = [];
  const dynamodb = new DynamoDBClient(motoClientConfig());
  const clients = {
    documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    s3: new S3Client({ ...motoClientConfig(), forcePathStyle: true }),
    eventBridge: new EventBridgeClient(motoClientConfig()),
    sfn: engineClient(startTargets),
    sns: new SNSClient(motoClientConfig()),
  };
  let operations: PipelineOperations;

  beforeAll(async () => {
    await ensureExecutionTable(dynamodb, table);
    await clients.eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    operations = awsCliOperations({ stage: STAGE, region: ENGINE_REGION }, settings(table, busName), clients);
  });
  afterAll(() => {
    dynamodb.destroy();
    for (const client of Object.values(clients)) client.destroy();
  });

  const describeMachine = (stateMachineArn: string) => clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));

  it('runs an execution on the version it started with, across an update, stops it, and deletes the state machine', async () => {
    const name = uniqueName('webapp');

    // moto's Lambda echoes a payload unless an answer is queued. The stage steps ignore their
    // answer, and the source action returns its artifact: one answer fits both.
    const sourceResult: ActionStepResult = { artifacts: [SOURCE_ARTIFACT], variables: {} };
    await queueLambdaAnswers([sourceResult, sourceResult], ENGINE_REGION);
    // Creating the pipeline starts its first execution, as CodePipeline does.
    const created = await operations.createPipeline(declaration(name, 'Approve'));
    expect(created.firstExecution).toEqual({ pipelineExecutionId: expect.any(String) });
    const { pipelineExecutionId } = created.firstExecution as { pipelineExecutionId: string };
    expect(created.stateMachineArn).toBe(`arn:aws:states:${ENGINE_REGION}:${ENGINE_ACCOUNT}:stateMachine:sluice-${STAGE}-${name}`);
    expect(created.versionArn).toBe(`${created.stateMachineArn}:1`);
    expect(await operations.getPipeline(name)).toMatchObject({ version: 1, stateMachineArn: created.stateMachineArn, versionArn: created.versionArn });
    const first = await describeMachine(created.versionArn!);
    // The placeholders are bound to the stack's functions: the definition can run as it is.
    expect(first.definition).toContain(settings(table, busName).functions.approvalRequest);
    expect(first.definition).not.toContain('FunctionArn}');
    expect(JSON.parse(first.definition!).Comment).toContain('version 1');
    expect(first.roleArn).toBe(settings(table, busName).stateMachineRoleArn);

    const started = await operations.getPipelineExecution(pipelineExecutionId);
    expect(started.execution).toMatchObject({ status: 'InProgress', pipelineVersion: 1, trigger: { triggerType: 'CreatePipeline' } });
    const executionArn = started.execution.engineExecutionArn!;
    expect(executionArn).toBe(`arn:aws:states:${ENGINE_REGION}:${ENGINE_ACCOUNT}:execution:sluice-${STAGE}-${name}:${pipelineExecutionId}`);
    expect(startTargets).toEqual([created.versionArn]);
    const taskToken = await waitingForApproval(clients.sfn, executionArn);

    const updated = await operations.updatePipeline(declaration(name, 'SignOff'));
    expect(updated).toMatchObject({ version: 2, stateMachineArn: created.stateMachineArn, versionArn: `${created.stateMachineArn}:2` });
    expect(JSON.parse((await describeMachine(updated.versionArn!)).definition!).Comment).toContain('version 2');
    // A published version never changes: the running execution's version still holds version 1.
    const kept = await describeMachine(created.versionArn!);
    expect(kept.definition).toBe(first.definition);
    const running = await clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(running.status).toBe('RUNNING');
    const engine = new StepFunctionsEngine(clients.sfn, { roleArn: settings(table, busName).stateMachineRoleArn, namePrefix: `sluice-${STAGE}-` });
    expect(await engine.describeExecution(executionArn)).toEqual({ status: 'Running' });
    // AWS's DescribeExecution names the version (stateMachineVersionArn); moto 5.2 does not, and
    // the start target recorded above stands for it.
    expect((await operations.listPipelineExecutions(name)).items.map((execution) => execution.pipelineVersion)).toEqual([1]);

    // A stop that waits marks the execution Stopping, as CodePipeline does, and returns: the task
    // functions hold what would start next (test/aws/stop-and-wait.test.ts). An abandon escalates it.
    // The approval's request, which moto's Lambda does not run, would have recorded its action in progress.
    const pipelineRef = { name, version: 1, executionId: pipelineExecutionId, variables: {} };
    await new DynamoDbExecutionStore(clients.documents, table).putAction(actionRecord(pipelineRef, 'Review', reviewStage('Approve').actions[0]!, 'InProgress'));
    await expect(operations.stopPipelineExecution({ pipelineName: name, pipelineExecutionId })).resolves.toEqual({ pipelineExecutionId });
    expect((await operations.getPipelineExecution(pipelineExecutionId)).execution).toMatchObject({ status: 'Stopping' });
    await expect(operations.stopPipelineExecution({ pipelineName: name, pipelineExecutionId })).rejects.toThrow('is Stopping already');
    await operations.stopPipelineExecution({ pipelineName: name, pipelineExecutionId, reason: 'superseded by hand', abandon: true });
    expect((await operations.getPipelineExecution(pipelineExecutionId)).execution).toMatchObject({ status: 'Stopped', statusSummary: 'superseded by hand' });
    // moto's interpreter notices a stop only when the Task it waits in returns (AWS aborts at
    // once); without the stop, this approval would run the execution on to SUCCEEDED.
    await clients.sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ status: 'Approved' }) }));
    expect(await endStatus(clients.sfn, executionArn)).toBe('ABORTED');
    expect(await engine.describeExecution(executionArn)).toEqual({ status: 'Stopped' });
    await expect(operations.stopPipelineExecution({ pipelineName: name, pipelineExecutionId })).rejects.toThrow(
      'is Stopped; only an InProgress execution can be stopped',
    );

    await operations.deletePipeline(name);
    await expect(describeMachine(created.stateMachineArn!)).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(operations.getPipeline(name)).rejects.toBeInstanceOf(NotFoundError);
  }, 30_000);

  it('refuses to create, update or delete a pipeline that the stack deploys, and leaves its state machine alone', async () => {
    const name = uniqueName('webapp');
    const pipeline = declaration(name, 'Approve');
    // The state machine and version that CloudFormation deploys from pipelines/webapp.yml, and the
    // record that its Custom::SluicePipeline writes (test/aws/pipeline-registration.test.ts).
    const stack = await clients.sfn.send(
      new CreateStateMachineCommand({
        name: `sluice-${STAGE}-${name}`,
        definition: JSON.stringify(compilePipeline(pipeline, providerCatalog, settings(table, busName).functions).definition),
        roleArn: settings(table, busName).stateMachineRoleArn,
        publish: true,
      }),
    );
    await new DynamoDbExecutionStore(clients.documents, table).putPipelineVersion({
      name,
      version: 1,
      declaration: { ...pipeline, version: 1 },
      created: new Date().toISOString(),
      stateMachineArn: stack.stateMachineArn!,
      versionArn: stack.stateMachineVersionArn!,
      managedBy: { stackId: `arn:aws:cloudformation:${ENGINE_REGION}:${ACCOUNT}:stack/sluice-${STAGE}/0`, file: 'pipelines/webapp.yml' },
    });
    const deployed = (await describeMachine(stack.stateMachineArn!)).definition;

    const refusal = { name: 'Sluice.Conflict', message: `Pipeline ${name} is deployed by the stack from pipelines/webapp.yml: change the file and deploy.` };
    await expect(operations.updatePipeline(declaration(name, 'SignOff'))).rejects.toMatchObject(refusal);
    await expect(operations.deletePipeline(name)).rejects.toMatchObject(refusal);
    await expect(operations.createPipeline(declaration(name, 'SignOff'))).rejects.toBeInstanceOf(BadInputError);

    expect((await describeMachine(stack.stateMachineArn!)).definition).toBe(deployed);
    expect(await operations.getPipeline(name)).toMatchObject({
      version: 1,
      versionArn: stack.stateMachineVersionArn,
      managedBy: { file: 'pipelines/webapp.yml' },
    });
    expect((await operations.getPipelineState(name)).pipelineVersion).toBe(1);
  });
});
