import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { PIPELINE_DEPLOY_VARIABLES } from '../../lib/compose/aws-environment';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import type { ConditionStepPayload } from '../../lib/core/rules';
import type { PipelineRef } from '../../lib/core/task-payloads';
import type { PipelineExecutionRecord } from '../../lib/ports/execution-store';
import { actionRecord, approvalRequestPayload } from '../support/task-payloads';
import { createIdempotencyTable, httpFunctionEnvironment } from './support/http-function';
import { ACCOUNT, motoClientConfig, uniqueName } from './support/moto-clients';
import { endStatus } from './support/moto-executions';

const STAGE = 'stopwait';
const compile: ActionDeclaration = { name: 'Compile', actionTypeId: { category: 'Build', owner: 'AWS', provider: 'Commands', version: '1' } };
const approve: ActionDeclaration = { name: 'Approve', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } };
const webapp: PipelineDeclaration = { name: 'webapp', stages: [{ name: 'Build', actions: [compile, { ...approve, runOrder: 2 }] }] };

/** The Lambda context of a task function with a minute left. */
const context = {
  awsRequestId: 'test-request',
  functionName: `sluice-${STAGE}-task`,
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/**
 * The task functions and the http function's operations, as Lambda runs them, in a region of
 * their own: moto 5.2 runs one execution per account and region (test/aws/step-functions.test.ts
 * tells why), and the functions' clients use moto's default account. compose/aws.ts reads its
 * environment once, so each region gets its modules afresh.
 */
async function functionsIn(region: string) {
  const config = { ...motoClientConfig(), region };
  const dynamodb = new DynamoDBClient(config);
  const eventBridge = new EventBridgeClient(config);
  const sfn = new SFNClient(config);
  const environment = httpFunctionEnvironment({ region, stage: STAGE, table: uniqueName('sluice-stopwait'), eventBusName: uniqueName('sluice-stopwait') });
  await ensureExecutionTable(dynamodb, environment.TABLE_NAME!);
  await createIdempotencyTable(dynamodb, environment);
  await eventBridge.send(new CreateEventBusCommand({ Name: environment.EVENT_BUS_NAME }));
  for (const client of [dynamodb, eventBridge]) client.destroy();
  Object.assign(process.env, environment, {
    [PIPELINE_DEPLOY_VARIABLES.logGroupArn]: `arn:aws:logs:${region}:${ACCOUNT}:log-group:sluice-${STAGE}:*`,
    [PIPELINE_DEPLOY_VARIABLES.stageStep]: `arn:aws:lambda:${region}:${ACCOUNT}:function:sluice-stage-step`,
    [PIPELINE_DEPLOY_VARIABLES.actionRunner]: `arn:aws:lambda:${region}:${ACCOUNT}:function:sluice-action-runner`,
    [PIPELINE_DEPLOY_VARIABLES.approvalRequest]: `arn:aws:lambda:${region}:${ACCOUNT}:function:sluice-approval-request`,
  });
  jest.resetModules();
  const aws = await import('../../lib/compose/aws');
  const { awsOperations } = await import('../../lib/compose/aws-jobs');
  const { startExecution } = await import('../../lib/execution/start-execution');
  // The class the fresh modules throw.
  const { StoppedError } = await import('../../lib/core/errors');
  const deps = aws.awsDependencies();
  const operations = awsOperations();

  /** An execution of webapp in its Build stage (as its admission records it), on a state machine run that waits. */
  async function executionInBuild(): Promise<{ pipeline: PipelineRef; executionArn: string }> {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: `sluice-${STAGE}-webapp`,
        definition: JSON.stringify({ StartAt: 'Build (enter)', States: { 'Build (enter)': { Type: 'Wait', Seconds: 3600, End: true } } }),
        roleArn: `arn:aws:iam::${ACCOUNT}:role/sluice`,
      }),
    );
    const { pipeline } = await startExecution(deps, {
      pipeline: webapp,
      version: 1,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' },
    });
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: pipeline.executionId, input: JSON.stringify({ pipeline }) }));
    await deps.store.recordEngineExecution(pipeline.executionId, executionArn!);
    const now = new Date().toISOString();
    await deps.store.putStage({ pipelineExecutionId: pipeline.executionId, stageName: 'Build', status: 'InProgress', startTime: now, lastUpdateTime: now });
    return { pipeline, executionArn: executionArn! };
  }

  const { handler: stageStep } = await import('../../functions/tasks/stage-step');
  const { handler: approvalRequest } = await import('../../functions/tasks/approval-request');
  const { handler: actionRunner } = await import('../../functions/tasks/action-runner');
  return { deps, operations, sfn, stageStep, approvalRequest, actionRunner, executionInBuild, StoppedError };
}

describe('stop and wait on AWS (moto): the task functions hold the steps that start something, and stop the execution', () => {
  const saved = { ...process.env };
  const clients: SFNClient[] = [];
  afterAll(() => {
    process.env = saved;
    for (const client of clients) client.destroy();
  });

  const compileRecord = (pipeline: PipelineRef, status: 'InProgress' | 'Succeeded') => actionRecord(pipeline, 'Build', compile, status);
  const stoppedBy = (summary: string): Partial<PipelineExecutionRecord> => ({ status: 'Stopped', statusSummary: summary });

  /** The functions in `region`, and an execution in Build whose stop and wait (`reason`) came while Compile is in progress. */
  async function stoppingInCompile(region: string, reason: string) {
    const functions = await functionsIn(region);
    clients.push(functions.sfn);
    const { pipeline, executionArn } = await functions.executionInBuild();
    await functions.deps.store.putAction(compileRecord(pipeline, 'InProgress'));
    await functions.operations.stopPipelineExecution({ pipelineName: 'webapp', pipelineExecutionId: pipeline.executionId, reason });
    return { ...functions, pipeline, executionArn, executionId: pipeline.executionId };
  }

  it('stops at once an execution with no action in progress, which no step would come to stop', async () => {
    const { deps, operations, sfn, executionInBuild } = await functionsIn('sa-east-1');
    clients.push(sfn);
    const { pipeline, executionArn } = await executionInBuild();
    const { executionId } = pipeline;

    await expect(operations.stopPipelineExecution({ pipelineName: 'webapp', pipelineExecutionId: executionId, reason: 'Stopped by alice' })).resolves.toEqual({
      pipelineExecutionId: executionId,
    });
    expect(await deps.store.getExecution(executionId)).toMatchObject(stoppedBy('Stopped by alice'));
    expect(await deps.store.listStages(executionId)).toEqual([expect.objectContaining({ stageName: 'Build', status: 'Stopped' })]);
    expect(await endStatus(sfn, executionArn)).toBe('ABORTED');
  });

  it("marks the execution Stopping while its action runs; the final stage's exit, which then finds none in progress, does not run and stops it", async () => {
    const { deps, operations, sfn, stageStep, executionInBuild, StoppedError } = await functionsIn('ap-northeast-3');
    clients.push(sfn);
    const { pipeline, executionArn } = await executionInBuild();
    const { executionId } = pipeline;
    await deps.store.putAction(compileRecord(pipeline, 'InProgress'));

    await expect(operations.stopPipelineExecution({ pipelineName: 'webapp', pipelineExecutionId: executionId, reason: 'Stopped by alice' })).resolves.toEqual({
      pipelineExecutionId: executionId,
    });
    expect(await deps.store.getExecution(executionId)).toMatchObject({ status: 'Stopping', statusSummary: 'Stopped by alice' });
    expect(await deps.store.listStages(executionId)).toEqual([expect.objectContaining({ status: 'Stopping' })]);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await deps.store.putAction(compileRecord(pipeline, 'Succeeded'));

    await expect(stageStep({ step: 'exitStage', pipeline, stage: 'Build', final: true }, context)).rejects.toThrow(
      new StoppedError('exitStage did not start: the execution was stopped, with a stop that waits for its actions in progress.'),
    );
    // The exit did not succeed the stage or the execution: both are Stopped, and so is the run.
    expect(await deps.store.getExecution(executionId)).toMatchObject(stoppedBy('Stopped by alice'));
    expect(await deps.store.listStages(executionId)).toEqual([expect.objectContaining({ stageName: 'Build', status: 'Stopped' })]);
    expect(await endStatus(sfn, executionArn)).toBe('ABORTED');
  });

  it("holds an approval's request while an action is in progress, and stops the execution once that action has finished", async () => {
    const { deps, sfn, approvalRequest, StoppedError, pipeline, executionArn, executionId } = await stoppingInCompile('eu-north-1', 'Stopped by bob');

    // A held step reads its remaining time before each wait for the actions in progress.
    let waiting = () => {};
    const waits = new Promise<void>((resolve) => (waiting = resolve));
    const timed = { ...context, getRemainingTimeInMillis: () => (waiting(), context.getRemainingTimeInMillis()) };
    const request = approvalRequest(approvalRequestPayload(pipeline, 'Build', approve, 'token-1'), timed);
    await waits;
    await deps.store.putAction(compileRecord(pipeline, 'Succeeded'));
    await expect(request).rejects.toBeInstanceOf(StoppedError);
    // The action in progress finished as itself, and the approval was never requested.
    expect(await deps.store.listActions(executionId)).toEqual([expect.objectContaining({ actionName: 'Compile', status: 'Succeeded' })]);
    expect(await deps.store.getExecution(executionId)).toMatchObject(stoppedBy('Stopped by bob'));
    expect(await endStatus(sfn, executionArn)).toBe('ABORTED');
  });

  it("holds a stage's entry condition, whose Commands rule would start something, and stops the execution that has no action in progress", async () => {
    const { deps, sfn, actionRunner, StoppedError, pipeline, executionArn, executionId } = await stoppingInCompile('ap-south-2', 'Stopped by carol');
    await deps.store.putAction(compileRecord(pipeline, 'Succeeded'));

    const check: ConditionStepPayload = {
      step: 'checkBeforeEntry',
      pipeline,
      stage: 'Build',
      final: true,
      conditions: [
        {
          rules: [
            {
              name: 'Smoke',
              ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'Commands', version: '1' },
              commands: ['curl -f https://example.com/health'],
            },
          ],
        },
      ],
      namespaces: {},
      artifacts: {},
    };
    await expect(actionRunner(check, context)).rejects.toThrow(
      new StoppedError('checkBeforeEntry did not start: the execution was stopped, with a stop that waits for its actions in progress.'),
    );
    // The condition was never evaluated: no rule of it ran.
    expect(await deps.store.listConditions(executionId)).toEqual([]);
    expect(await deps.store.getExecution(executionId)).toMatchObject(stoppedBy('Stopped by carol'));
    expect(await endStatus(sfn, executionArn)).toBe('ABORTED');
  });
});
