import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateStateMachineCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { PIPELINE_DEPLOY_VARIABLES } from '../../lib/compose/aws-environment';
import { compilePipeline } from '../../lib/core/compile';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import type { PipelineRef } from '../../lib/core/task-payloads';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { commandsOnSource, s3SourceStage } from '../support/declarations';
import { runnerCommandsCatalog } from '../support/runner-commands';
import { actionRecord } from '../support/task-payloads';
import { createIdempotencyTable, httpFunctionEnvironment } from './support/http-function';
import { ACCOUNT, motoClientConfig, uniqueName } from './support/moto-clients';
import { admitEntries, endStatus, waitingTasks } from './support/moto-executions';

const STAGE = 'rollback';
const SOURCE_ARTIFACT = { bucketName: 'sluice-artifacts', objectKey: 'webapp/SourceOutput/abc123.zip' };
const functions = (region: string) => ({
  stageStep: `arn:aws:lambda:${region}:${ACCOUNT}:function:sluice-stage-step`,
  actionRunner: `arn:aws:lambda:${region}:${ACCOUNT}:function:sluice-action-runner`,
  approvalRequest: `arn:aws:lambda:${region}:${ACCOUNT}:function:sluice-approval-request`,
});

/** Source; Build, which exports RUN; Deploy, which deploys it; Smoke after. */
const webapp: PipelineDeclaration = {
  name: 'webapp',
  pipelineType: 'V2',
  stages: [
    s3SourceStage(),
    { name: 'Build', actions: [{ ...commandsOnSource('Counter', ['export RUN=1'], 'SourceOutput'), namespace: 'BuildVariables', outputVariables: ['RUN'] }] },
    { name: 'Deploy', actions: [commandsOnSource('Deploy', ['echo #{BuildVariables.RUN}'], 'SourceOutput')], onFailure: { result: 'ROLLBACK' } },
    { name: 'Smoke', actions: [commandsOnSource('Smoke', ['true'], 'SourceOutput')] },
  ],
};

/**
 * The task functions' dependencies and the http function's operations, as Lambda runs them, in a
 * region of their own: moto 5.2 runs one execution per account and region (test/aws/step-functions.test.ts
 * tells why), and the functions' clients use moto's default account. compose/aws.ts reads its
 * environment once, so each region gets its modules afresh. The pipeline's state machine is
 * registered as the stack's registration records it, and a target execution that succeeded in
 * every stage is recorded, its Source and Build results with it.
 */
async function functionsIn(region: string) {
  const config = { ...motoClientConfig(), region };
  const dynamodb = new DynamoDBClient(config);
  const eventBridge = new EventBridgeClient(config);
  const sfn = new SFNClient(config);
  const environment = httpFunctionEnvironment({ region, stage: STAGE, table: uniqueName('sluice-rollback'), eventBusName: uniqueName('sluice-rollback') });
  await ensureExecutionTable(dynamodb, environment.TABLE_NAME!);
  await createIdempotencyTable(dynamodb, environment);
  await eventBridge.send(new CreateEventBusCommand({ Name: environment.EVENT_BUS_NAME }));
  for (const client of [dynamodb, eventBridge]) client.destroy();
  const invoked = functions(region);
  Object.assign(process.env, environment, {
    [PIPELINE_DEPLOY_VARIABLES.logGroupArn]: `arn:aws:logs:${region}:${ACCOUNT}:log-group:sluice-${STAGE}:*`,
    [PIPELINE_DEPLOY_VARIABLES.stageStep]: invoked.stageStep,
    [PIPELINE_DEPLOY_VARIABLES.actionRunner]: invoked.actionRunner,
    [PIPELINE_DEPLOY_VARIABLES.approvalRequest]: invoked.approvalRequest,
  });
  jest.resetModules();
  const aws = await import('../../lib/compose/aws');
  const { awsOperations } = await import('../../lib/compose/aws-jobs');
  const { runStageStep } = await import('../../lib/execution/stage-steps');
  const deps: ExecutionDependencies = aws.awsDependencies();

  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({
      name: `sluice-${STAGE}-webapp`,
      definition: JSON.stringify(compilePipeline(webapp, runnerCommandsCatalog, invoked).definition),
      roleArn: `arn:aws:iam::${ACCOUNT}:role/sluice`,
    }),
  );
  // On AWS the record names the published version; moto 5.2 cannot start an execution on a
  // version ARN (its interpreter answers 500), so here it names the state machine, which holds the same definition.
  await deps.store.putPipelineVersion({
    name: webapp.name,
    version: 1,
    declaration: webapp,
    created: new Date().toISOString(),
    stateMachineArn,
    versionArn: stateMachineArn,
  });

  const now = new Date().toISOString();
  const target: PipelineRef = { name: webapp.name, version: 1, executionId: uniqueName('target'), variables: {} };
  await deps.store.createExecution({
    pipelineName: webapp.name,
    pipelineVersion: 1,
    pipelineExecutionId: target.executionId,
    status: 'Succeeded',
    startTime: now,
    lastUpdateTime: now,
    trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' },
    variables: {},
  });
  for (const stage of webapp.stages) {
    await deps.store.putStage({ pipelineExecutionId: target.executionId, stageName: stage.name, status: 'Succeeded', startTime: now, lastUpdateTime: now });
  }
  const succeededWith = (stage: number, outputVariables: Record<string, string>, artifacts: (typeof SOURCE_ARTIFACT)[]) => ({
    ...actionRecord(target, webapp.stages[stage]!.name, webapp.stages[stage]!.actions[0]!, 'Succeeded'),
    output: { outputArtifacts: artifacts.map((s3location) => ({ name: 'SourceOutput', s3location })), outputVariables, executionResult: {} },
  });
  await deps.store.putAction(succeededWith(0, {}, [SOURCE_ARTIFACT]));
  await deps.store.putAction(succeededWith(1, { RUN: '7' }, []));
  return { deps, operations: awsOperations(), runStageStep, sfn, target };
}

/**
 * The rollback's run on moto: it enters at Deploy with the target's results, and once let into the
 * stage runs Deploy's action and exit, then ends: Smoke, after it, never runs. moto's Lambda runs
 * no code and echoes each payload, which these Tasks keep nothing of.
 */
async function runsDeployAlone(sfn: SFNClient, executionArn: string, target: string): Promise<void> {
  // Its enter Task is scheduled once moto's interpreter has come to it.
  for (const deadline = Date.now() + 10_000; (await waitingTasks(sfn, executionArn)).length === 0 && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await admitEntries(sfn, executionArn);
  expect(await endStatus(sfn, executionArn)).toBe('SUCCEEDED');
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  const entered = (history.events ?? []).flatMap((event) => (event.type === 'TaskStateEntered' ? [event.stateEnteredEventDetails!.name!] : []));
  expect(entered).toEqual(['Deploy (enter)', 'Deploy / Deploy', 'Deploy (exit)']);
  const [enter] = await waitingTasks(sfn, executionArn);
  expect(enter).toMatchObject({ step: 'enterStage', stage: 'Deploy', pipeline: { rollback: { stage: 'Deploy', target } } });
}

describe('rolling back a stage on AWS (moto)', () => {
  const saved = { ...process.env };
  const clients: SFNClient[] = [];
  afterAll(() => {
    process.env = saved;
    for (const client of clients) client.destroy();
  });

  it("RollbackStage starts a ROLLBACK execution on the version's state machine, which runs the stage alone with the target's results", async () => {
    const { deps, operations, sfn, target } = await functionsIn('eu-central-2');
    clients.push(sfn);
    const { pipelineExecutionId } = await operations.rollbackStage({
      pipelineName: 'webapp',
      stageName: 'Deploy',
      targetPipelineExecutionId: target.executionId,
    });
    const execution = await deps.store.getExecution(pipelineExecutionId);
    expect(execution).toMatchObject({
      executionType: 'ROLLBACK',
      trigger: { triggerType: 'ManualRollback' },
      rollbackMetadata: { rollbackTargetPipelineExecutionId: target.executionId },
      engineExecutionArn: expect.stringContaining(`:execution:sluice-${STAGE}-webapp:${pipelineExecutionId}`),
    });
    await runsDeployAlone(sfn, execution!.engineExecutionArn!, target.executionId);
  });

  it("a stage's failure step with onFailure ROLLBACK starts the rollback on Step Functions as the stage step function", async () => {
    const { deps, runStageStep, sfn, target } = await functionsIn('ap-east-1');
    clients.push(sfn);
    const now = new Date().toISOString();
    const failing: PipelineRef = { name: 'webapp', version: 1, executionId: uniqueName('failing'), variables: {} };
    await deps.store.createExecution({
      pipelineName: 'webapp',
      pipelineVersion: 1,
      pipelineExecutionId: failing.executionId,
      status: 'InProgress',
      startTime: now,
      lastUpdateTime: now,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' },
      variables: {},
    });
    await deps.store.putStage({ pipelineExecutionId: failing.executionId, stageName: 'Deploy', status: 'InProgress', startTime: now, lastUpdateTime: now });

    await runStageStep(deps, {
      step: 'failStage',
      pipeline: failing,
      stage: 'Deploy',
      previousStage: 'Build',
      error: { Error: 'Sluice.ActionFailed', Cause: 'deploy failed' },
      onFailure: { result: 'ROLLBACK' },
    });
    expect(await deps.store.getExecution(failing.executionId)).toMatchObject({ status: 'Failed' });
    const [rollback] = (await deps.store.listExecutions('webapp')).filter((execution) => execution.executionType === 'ROLLBACK');
    expect(rollback).toMatchObject({
      status: 'InProgress',
      trigger: { triggerType: 'AutomatedRollback', triggerDetail: failing.executionId },
      rollbackMetadata: { rollbackTargetPipelineExecutionId: target.executionId },
    });
    await runsDeployAlone(sfn, rollback!.engineExecutionArn!, target.executionId);
  });
});
