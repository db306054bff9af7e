import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { CreateStateMachineCommand, GetExecutionHistoryCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { providerCatalog } from '../../lib/actions/registry';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { StepFunctionsTaskCallbacks } from '../../lib/adapters/aws/step-functions-task-callbacks';
import { createAwsDependencies } from '../../lib/compose/aws';
import type { TaskState } from '../../lib/core/asl';
import { compilePipeline, FUNCTION_PLACEHOLDERS } from '../../lib/core/compile';
import type { ExecutionMode, PipelineDeclaration } from '../../lib/core/declaration';
import { SupersededError, TaskNotWaitingError } from '../../lib/core/errors';
import type { StageStepPayload } from '../../lib/core/task-payloads';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { runStageStep } from '../../lib/execution/stage-steps';
import { startExecution } from '../../lib/execution/start-execution';
import type { TaskCallbacks } from '../../lib/ports/task-callbacks';
import { s3SourceStage } from '../support/declarations';
import { ACCOUNT, motoClientConfig, motoResources, uniqueName } from './support/moto-clients';
import { endStatus, sfnInOwnAccount } from './support/moto-executions';

/** A region no other test file runs executions in, so that no queued Lambda answer of theirs is taken here. */
const REGION = 'eu-south-1';
const STAGE_STEP = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-stage-step`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pipelineIn(mode: ExecutionMode): PipelineDeclaration {
  return {
    name: uniqueName(`locked-${mode.toLowerCase()}`),
    pipelineType: 'V2',
    executionMode: mode,
    stages: [
      s3SourceStage(),
      {
        name: 'Build',
        actions: [
          {
            name: 'Compile',
            actionTypeId: { category: 'Build', owner: 'AWS', provider: 'Commands', version: '1' },
            commands: ['make'],
            inputArtifacts: [{ name: 'SourceOutput' }],
          },
        ],
      },
    ],
  };
}

/** The Build stage's enter Task as the compiler writes it, alone: the run ends as the Task does. */
function enterMachine(declaration: PipelineDeclaration): string {
  const { Catch: _catch, Next: _next, ...enter } = compilePipeline(declaration, providerCatalog).definition.States['Build (enter)'] as TaskState;
  const definition = { StartAt: 'Build (enter)', States: { 'Build (enter)': { ...enter, End: true } } };
  return JSON.stringify(definition).replaceAll(FUNCTION_PLACEHOLDERS.stageStep, STAGE_STEP);
}

/**
 * Stage locks on AWS, proven against moto: the stage step (runStageStep on the AWS dependencies:
 * DynamoDbStageLocks and the execution store on moto's DynamoDB, task tokens called back through
 * moto's Step Functions) admits and supersedes executions whose enter Task really waits on its
 * token in a moto execution. moto's Lambda runs no code, so the test runs the stage step with the
 * payload the enter Task invoked it with, as Lambda would.
 */
describe('stage locks on AWS (moto): enter Tasks that wait on their tokens are resumed through Step Functions', () => {
  const config = { ...motoClientConfig(), region: REGION };
  const dynamodb = new DynamoDBClient(config);
  const eventBridge = new EventBridgeClient(config);
  const s3 = new S3Client(config);
  const sns = new SNSClient(config);
  const table = uniqueName('sluice-locks');
  const busName = uniqueName('sluice-locks');
  const clients: SFNClient[] = [];
  /**
   * moto 5.2 runs one execution per account and region (test/aws/support/moto-executions.ts), so
   * each execution runs in an account of its own, and a token is called back in its own account:
   * the adapter, on a client of that account.
   */
  const accountOfToken = new Map<string, StepFunctionsTaskCallbacks>();
  const sent: { call: 'succeed' | 'fail'; taskToken: string; error?: string }[] = [];
  const callbacks: TaskCallbacks = {
    succeed(taskToken, output, record) {
      sent.push({ call: 'succeed', taskToken });
      return accountOfToken.get(taskToken)!.succeed(taskToken, output, record);
    },
    fail(taskToken, error, record) {
      sent.push({ call: 'fail', taskToken, error: error.name });
      return accountOfToken.get(taskToken)!.fail(taskToken, error, record);
    },
  };
  let deps: ExecutionDependencies;

  beforeAll(async () => {
    await ensureExecutionTable(dynamodb, table);
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    const aws = createAwsDependencies(motoResources(REGION, table, busName), {
      documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      s3,
      eventBridge,
      sfn: sfnInOwnAccount(REGION),
      sns,
    });
    deps = { ...aws, callbacks };
  });

  afterAll(() => {
    for (const client of [dynamodb, eventBridge, s3, sns, ...clients]) client.destroy();
  });

  /**
   * An execution of `declaration` recorded by Sluice, whose moto run waits in the Build stage's
   * enter Task: the payload that Task invoked the stage step with, its token among them.
   */
  async function arriving(declaration: PipelineDeclaration) {
    const sfn = sfnInOwnAccount(REGION);
    clients.push(sfn);
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: `sluice-${declaration.name}`,
        definition: enterMachine(declaration),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/sluice`,
      }),
    );
    const input = await startExecution(deps, { pipeline: declaration, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'moto' } });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: input.pipeline.executionId, input: JSON.stringify(input) }));
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
      const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const scheduled = events.find((event) => event.type === 'TaskScheduled');
      if (scheduled) {
        const { FunctionName, Payload } = JSON.parse(scheduled.taskScheduledEventDetails!.parameters!) as { FunctionName: string; Payload: StageStepPayload };
        expect(FunctionName).toBe(STAGE_STEP);
        const taskToken = Payload.taskToken!;
        accountOfToken.set(taskToken, new StepFunctionsTaskCallbacks(sfn));
        return { sfn, executionArn: executionArn!, executionId: input.pipeline.executionId, enter: { ...Payload, taskToken } };
      }
    }
    throw new Error('The enter Task was never scheduled.');
  }

  const taskEnds = async (sfn: SFNClient, executionArn: string) => {
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    return events
      .filter((event) => event.type === 'TaskSucceeded' || event.type === 'TaskFailed')
      .map((event) => event.taskFailedEventDetails?.error ?? event.type);
  };
  const buildStatus = async (executionId: string) => (await deps.store.listStages(executionId)).find((stage) => stage.stageName === 'Build')?.status;

  it.each(['QUEUED', 'SUPERSEDED'] as const)(
    '%s: the first enters, the second waits in line, and the first one’s exit admits it with its own token',
    async (mode) => {
      const declaration = pipelineIn(mode);
      const first = await arriving(declaration);
      const second = await arriving(declaration);
      expect(first.enter).toMatchObject({ step: 'enterStage', stage: 'Build', previousStage: 'Source', mode, taskToken: expect.any(String) });

      await runStageStep(deps, first.enter);
      expect(await endStatus(first.sfn, first.executionArn)).toBe('SUCCEEDED');
      expect(await taskEnds(first.sfn, first.executionArn)).toEqual(['TaskSucceeded']);
      expect(await buildStatus(first.executionId)).toBe('InProgress');

      await runStageStep(deps, second.enter);
      expect(await deps.locks.read(declaration.name, 'Build')).toEqual({
        holder: first.executionId,
        transitions: {},
        waiters: [expect.objectContaining({ executionId: second.executionId, taskToken: second.enter.taskToken, mode })],
      });
      expect(await buildStatus(second.executionId)).toBeUndefined();
      expect(await taskEnds(second.sfn, second.executionArn)).toEqual([]);

      await runStageStep(deps, { step: 'exitStage', pipeline: first.enter.pipeline, stage: 'Build', previousStage: 'Source', final: true });
      expect(await endStatus(second.sfn, second.executionArn)).toBe('SUCCEEDED');
      expect(await taskEnds(second.sfn, second.executionArn)).toEqual(['TaskSucceeded']);
      expect(await buildStatus(second.executionId)).toBe('InProgress');
      expect(await deps.store.getExecution(first.executionId)).toMatchObject({ status: 'Succeeded' });
      expect(await deps.locks.read(declaration.name, 'Build')).toEqual({ holder: second.executionId, transitions: {}, waiters: [] });
      expect(sent.filter((call) => [first.enter.taskToken, second.enter.taskToken].includes(call.taskToken))).toEqual([
        { call: 'succeed', taskToken: first.enter.taskToken },
        { call: 'succeed', taskToken: second.enter.taskToken },
      ]);
    },
  );

  it('SUPERSEDED: a newer waiter supersedes an older one, whose Task fails with Sluice.Superseded and whose execution ends Superseded', async () => {
    const declaration = pipelineIn('SUPERSEDED');
    const holder = await arriving(declaration);
    const older = await arriving(declaration);
    const newer = await arriving(declaration);
    await runStageStep(deps, holder.enter);
    await runStageStep(deps, older.enter);
    expect((await deps.locks.read(declaration.name, 'Build')).waiters.map((waiter) => waiter.executionId)).toEqual([older.executionId]);

    await runStageStep(deps, newer.enter);
    expect(sent.filter((call) => call.taskToken === older.enter.taskToken)).toEqual([
      { call: 'fail', taskToken: older.enter.taskToken, error: SupersededError.traits.name },
    ]);
    expect(await endStatus(older.sfn, older.executionArn)).toBe('FAILED');
    expect(await taskEnds(older.sfn, older.executionArn)).toEqual(['Sluice.Superseded']);
    expect(await deps.store.getExecution(older.executionId)).toMatchObject({
      status: 'Superseded',
      statusSummary: `Superseded by execution ${newer.executionId} while it waited to enter Build.`,
    });
    expect(await buildStatus(older.executionId)).toBeUndefined();
    // The stage in progress was not pre-empted: the newer one waits for it.
    expect(await deps.locks.read(declaration.name, 'Build')).toEqual({
      holder: holder.executionId,
      transitions: {},
      waiters: [expect.objectContaining({ executionId: newer.executionId })],
    });
    expect(await taskEnds(newer.sfn, newer.executionArn)).toEqual([]);

    await runStageStep(deps, { step: 'exitStage', pipeline: holder.enter.pipeline, stage: 'Build', previousStage: 'Source', final: true });
    expect(await endStatus(newer.sfn, newer.executionArn)).toBe('SUCCEEDED');
    expect(await deps.locks.read(declaration.name, 'Build')).toEqual({ holder: newer.executionId, transitions: {}, waiters: [] });
  });

  it('QUEUED: a waiter whose Task Step Functions no longer knows is passed over, and the next in line enters', async () => {
    const declaration = pipelineIn('QUEUED');
    const holder = await arriving(declaration);
    const gone = await arriving(declaration);
    const next = await arriving(declaration);
    await runStageStep(deps, holder.enter);
    // A token no Task waits on: moto answers InvalidToken (TaskDoesNotExist once its execution has ended), a Task no longer waiting.
    const unknownToken = `${gone.enter.taskToken}-unknown`;
    accountOfToken.set(unknownToken, accountOfToken.get(gone.enter.taskToken)!);
    await expect(accountOfToken.get(unknownToken)!.succeed(unknownToken, {})).rejects.toBeInstanceOf(TaskNotWaitingError);
    await runStageStep(deps, { ...gone.enter, taskToken: unknownToken });
    await runStageStep(deps, next.enter);
    expect((await deps.locks.read(declaration.name, 'Build')).waiters.map((waiter) => waiter.executionId)).toEqual([gone.executionId, next.executionId]);

    await runStageStep(deps, { step: 'exitStage', pipeline: holder.enter.pipeline, stage: 'Build', previousStage: 'Source', final: true });
    expect(sent.filter((call) => [unknownToken, next.enter.taskToken].includes(call.taskToken))).toEqual([
      { call: 'succeed', taskToken: unknownToken },
      { call: 'succeed', taskToken: next.enter.taskToken },
    ]);
    expect(await endStatus(next.sfn, next.executionArn)).toBe('SUCCEEDED');
    expect(await deps.locks.read(declaration.name, 'Build')).toEqual({ holder: next.executionId, transitions: {}, waiters: [] });
  });
});
