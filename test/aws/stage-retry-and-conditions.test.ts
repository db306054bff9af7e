import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StopExecutionCommand,
  type HistoryEvent,
  type StartExecutionCommandInput,
} from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { actionRunner } from '../../functions/tasks/action-runner';
import { stageStep } from '../../functions/tasks/stage-step';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { startStateMachineRun } from '../../lib/adapters/aws/step-functions-engine';
import { StepFunctionsTaskCallbacks } from '../../lib/adapters/aws/step-functions-task-callbacks';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { zipDirectory } from '../../lib/artifacts/zip';
import { runnableProviders } from '../../lib/actions/action-providers';
import { createAwsDependencies, createAwsOperations } from '../../lib/compose/aws';
import { runCommands } from '../../lib/actions/run-commands';
import { runnerCommandsSpec } from '../support/runner-commands';
import type { ExecutionInput, FunctionArns } from '../../lib/core/compile';
import type { StateMachineExecutionChange } from '../../lib/core/engine-run-end';
import { providerKey, type ActionDeclaration, type PipelineDeclaration, type StageDeclaration } from '../../lib/core/declaration';
import { TASK_IDEMPOTENCY_KEY } from '../../lib/core/task-payloads';
import { reconcileExecution } from '../../lib/execution/reconcile-execution';
import type { OperationsDependencies, PipelineOperations } from '../../lib/operations/pipeline-operations';
import type { VersionRun } from '../../lib/ports/engine';
import type { PipelineExecutionStatus } from '../../lib/core/status';
import { s3SourceStage } from '../support/declarations';
import { createIdempotencyTable } from './support/http-function';
import { ACCOUNT, motoClientConfig, motoResources, uniqueName } from './support/moto-clients';
import { endStatus, inMotoAccount } from './support/moto-executions';
import { motoWithFunctions, type MotoWithFunctions, type TestFunction } from './support/moto-functions';

const REGION = 'us-east-1';
const STAGE = 'retry';
const FUNCTIONS: FunctionArns = {
  stageStep: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-${STAGE}-stageStep`,
  actionRunner: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-${STAGE}-actionRunner`,
  approvalRequest: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:sluice-${STAGE}-approvalRequest`,
};
const SOURCE = { bucketName: 'sluice-retry-sources', objectKey: 'app.zip' };
const ARTIFACTS = 'sluice-retry-artifacts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const commands = (name: string, lines: string[], runOrder = 1): ActionDeclaration => ({
  name,
  runOrder,
  actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
  commands: lines,
  inputArtifacts: [{ name: 'SourceOutput' }],
});

/**
 * Stage retries and stage conditions on AWS, proven on moto: each pipeline is registered through
 * the AWS composition (createAwsOperations: the Step Functions engine, the DynamoDB store), and
 * its compiled definition runs on moto's Step Functions, whose Tasks invoke the real task
 * functions (stageStep and actionRunner, with their idempotency and stop-and-wait middleware) in
 * this process (support/moto-functions.ts).
 *
 * What moto cannot do, and how the test copes:
 * - moto 5.2 runs one execution per account and region (support/moto-executions.ts), and cannot
 *   start one on a version ARN (test/aws/aws-pipeline-operations.test.ts). The engine's client
 *   records each StartExecution as the engine sent it, and sends it to a copy of the version's
 *   definition in an account of its own, whose Tasks name that account's functions: the functions
 *   call back each token in its own account. Every later call about the run follows its ARN.
 * - moto sends no "Execution Status Change" events: the reconciler is handed the event that
 *   Step Functions would send, built from DescribeExecution, as test/aws/execution-reconciler.test.ts does.
 * - moto's interpreter notices a StopExecution only when the Task it waits in returns.
 */
describe('stage retries and conditions on AWS (moto), compiled pipelines running the real task functions', () => {
  let moto: MotoWithFunctions;
  let config: ReturnType<typeof motoClientConfig>;
  let operations: PipelineOperations;
  let engine: SFNClient;
  let deps: OperationsDependencies;
  const clients: { destroy(): void }[] = [];
  const marks = mkdtempSync(path.join(os.tmpdir(), 'sluice-aws-retry-'));
  const mark = (name: string) => path.join(marks, name);
  const runs = (name: string) => (existsSync(mark(name)) ? readFileSync(mark(name), 'utf8').split('\n').length - 1 : 0);
  /** Each StartExecution as the engine sent it, and the account its run went to. */
  const starts: (StartExecutionCommandInput & { account: string })[] = [];
  const accountClients = new Map<string, SFNClient>();

  const sfnIn = (account: string): SFNClient => {
    let client = accountClients.get(account);
    if (!client) {
      client = inMotoAccount(new SFNClient(config), account);
      accountClients.set(account, client);
      clients.push(client);
    }
    return client;
  };

  /** The engine's client: StartExecution goes to a copy of the version in a fresh account; other calls follow their ARN's account. */
  function engineClient(): SFNClient {
    const client = new SFNClient(config);
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as StartExecutionCommandInput & { executionArn?: string };
        if (context.commandName === 'StartExecutionCommand') {
          const account = String(randomInt(100_000_000_000, 999_999_999_999));
          starts.push({ ...input, account });
          input.stateMachineArn = await copyOfVersion(input.stateMachineArn!, account);
        }
        const account = (input.executionArn ?? input.stateMachineArn)?.split(':')[4] ?? ACCOUNT;
        (context as { motoAccount?: string }).motoAccount = account;
        return next(args);
      },
      { step: 'initialize', name: 'motoRunAccount' },
    );
    client.middlewareStack.add(
      (next, context) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = (context as { motoAccount?: string }).motoAccount ?? ACCOUNT;
        return next(args);
      },
      { step: 'build', name: 'motoAccountHeader' },
    );
    clients.push(client);
    return client;
  }

  /** The definition of a published version, as a state machine of `account` whose Tasks invoke that account's functions. */
  async function copyOfVersion(versionArn: string, account: string): Promise<string> {
    const { name, definition } = await sfnIn(ACCOUNT).send(new DescribeStateMachineCommand({ stateMachineArn: versionArn }));
    const { stateMachineArn } = await sfnIn(account).send(
      new CreateStateMachineCommand({
        name,
        definition: definition!.replaceAll(`:${ACCOUNT}:function:`, `:${account}:function:`),
        roleArn: `arn:aws:iam::${account}:role/sluice-states`,
      }),
    );
    return stateMachineArn!;
  }

  beforeAll(async () => {
    const lambdaContext = {
      awsRequestId: 'moto-invoke',
      functionName: 'sluice-retry-task',
      getRemainingTimeInMillis: () => 120_000,
    } as unknown as Context;
    /** The task functions, with the execution dependencies of the account whose run invoked them. */
    const functionsOf = new Map<string, Record<string, TestFunction>>();
    const functionOf = (functionArn: string): TestFunction => {
      const [, , , , account, , name] = functionArn.split(':');
      let functions = functionsOf.get(account!);
      if (!functions) {
        // A stage's automatic rollback starts its run as the engine does, in an account of its own.
        const inAccount = () => ({
          ...deps,
          callbacks: new StepFunctionsTaskCallbacks(sfnIn(account!)),
          startRun: ((version, runName, input) => startStateMachineRun(engine, {}, version.versionArn!, runName, input)) satisfies VersionRun,
        });
        const idempotency = {
          persistenceStore: new DynamoDBPersistenceLayer({ tableName: idempotencyTable, awsSdkV3Client: dynamodb }),
          config: new IdempotencyConfig({ eventKeyJmesPath: TASK_IDEMPOTENCY_KEY, throwOnNoIdempotencyKey: true }),
        };
        const stepFunction = stageStep({ dependencies: inAccount, idempotency });
        const runner = actionRunner({ dependencies: inAccount, idempotency });
        functions = {
          [`sluice-${STAGE}-stageStep`]: (payload) => stepFunction(payload as never, lambdaContext),
          [`sluice-${STAGE}-actionRunner`]: (payload) => runner(payload as never, lambdaContext),
        };
        functionsOf.set(account!, functions);
      }
      return functions[name!] ?? (() => Promise.reject(new Error(`No function ${functionArn} in this test.`)));
    };
    moto = await motoWithFunctions(functionOf);
    config = { ...motoClientConfig(), endpoint: moto.endpoint };

    const dynamodb = new DynamoDBClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const eventBridge = new EventBridgeClient(config);
    const sns = new SNSClient(config);
    clients.push(dynamodb, s3, eventBridge, sns);
    const table = uniqueName('sluice-retry');
    const busName = uniqueName('sluice-retry');
    const idempotencyTable = uniqueName('sluice-retry-idempotency');
    await ensureExecutionTable(dynamodb, table);
    await createIdempotencyTable(dynamodb, { IDEMPOTENCY_TABLE_NAME: idempotencyTable });
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    const blobs = new S3BlobStore(s3);
    for (const bucket of [SOURCE.bucketName, ARTIFACTS]) await blobs.ensureBucket(bucket);
    const app = mkdtempSync(path.join(os.tmpdir(), 'sluice-aws-retry-app-'));
    writeFileSync(path.join(app, 'app.txt'), 'v1');
    await blobs.put(SOURCE, await buffer(zipDirectory(app)));

    const sdk = {
      documents: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      s3,
      eventBridge,
      sfn: sfnIn(ACCOUNT),
      sns,
    };
    // moto's Step Functions runs no codebuild:startBuild.sync: the Commands actions run their
    // commands in the action runner instead, as a stand-in that compiles as a runAction step.
    const awsDeps = createAwsDependencies({ ...motoResources(REGION, table, busName), artifactBucket: ARTIFACTS }, sdk, { providers: runnableProviders() });
    deps = { ...awsDeps, providers: new Map(awsDeps.providers).set(providerKey(runnerCommandsSpec), { spec: runnerCommandsSpec, run: runCommands }) };
    engine = engineClient();
    operations = createAwsOperations(deps, engine, {
      roleArn: `arn:aws:iam::${ACCOUNT}:role/sluice-states`,
      namePrefix: `sluice-${STAGE}-`,
      logGroupArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/vendedlogs/states/sluice-${STAGE}:*`,
      functions: FUNCTIONS,
    });
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await moto?.stop();
    rmSync(marks, { recursive: true, force: true });
  });

  /**
   * Source, then Build: Counter, then Flaky, which fails while its `fail` mark exists (once only,
   * with `failOnce`), and waits while its `hold` mark exists; then Deploy.
   */
  function pipeline(build: Partial<StageDeclaration> = {}, deploy: Partial<StageDeclaration> = {}, failOnce = false): PipelineDeclaration {
    const name = uniqueName('webapp');
    const count = (action: string) => `echo x >> ${mark(`${name}-${action}`)}`;
    const flaky = failOnce
      ? `if [ -f ${mark(`${name}-failed-once`)} ]; then true; else touch ${mark(`${name}-failed-once`)}; false; fi`
      : `test ! -f ${mark(`${name}-fail`)}`;
    return {
      name,
      pipelineType: 'V2',
      variables: [{ name: 'TARGET', defaultValue: 'staging' }],
      stages: [
        s3SourceStage({ bucket: SOURCE.bucketName, key: SOURCE.objectKey }),
        {
          name: 'Build',
          actions: [
            commands('Counter', [count('Counter')]),
            commands('Flaky', [count('Flaky'), `while [ -f ${mark(`${name}-hold`)} ]; do sleep 0.2; done`, flaky], 2),
          ],
          ...build,
        },
        { name: 'Deploy', actions: [commands('Ship', [count('Ship')])], ...deploy },
      ],
    };
  }

  /** Registers the pipeline, which starts its first execution, as CodePipeline does. */
  async function created(declaration: PipelineDeclaration): Promise<string> {
    const { firstExecution } = await operations.createPipeline(declaration);
    return (firstExecution as { pipelineExecutionId: string }).pipelineExecutionId;
  }

  async function ended(executionId: string, status: PipelineExecutionStatus) {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(200)) {
      const execution = await deps.store.getExecution(executionId);
      if (execution?.status === status) return execution;
      if (execution && execution.status !== 'InProgress') throw new Error(`Execution ${executionId} ended ${execution.status}: ${execution.statusSummary}`);
    }
    throw new Error(`Execution ${executionId} did not end ${status}.`);
  }

  /** The pipeline's first execution, whose Flaky failed while its `fail` mark existed; the mark is gone once it has failed. */
  async function failedInBuild(declaration: PipelineDeclaration): Promise<{ executionId: string; firstRun: string }> {
    writeFileSync(mark(`${declaration.name}-fail`), '');
    const executionId = await created(declaration);
    await ended(executionId, 'Failed');
    rmSync(mark(`${declaration.name}-fail`));
    return { executionId, firstRun: await runOf(executionId) };
  }

  const stageStatuses = async (executionId: string) =>
    Object.fromEntries((await deps.store.listStages(executionId)).map((stage) => [stage.stageName, stage.status]));
  const runOf = async (executionId: string) => (await deps.store.getExecution(executionId))!.engineExecutionArn!;
  const sfnOf = (executionArn: string) => sfnIn(executionArn.split(':')[4]!);
  async function history(executionArn: string): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfnOf(executionArn).send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  }
  const entered = async (executionArn: string) =>
    (await history(executionArn)).filter((event) => event.type?.endsWith('StateEntered')).map((event) => event.stateEnteredEventDetails!.name);

  /** Step Functions' status change event for a run, as EventBridge hands it to the reconciler. */
  async function statusChange(executionArn: string): Promise<StateMachineExecutionChange> {
    const described = await sfnOf(executionArn).send(new DescribeExecutionCommand({ executionArn }));
    return {
      executionArn,
      stateMachineArn: described.stateMachineArn!,
      name: described.name!,
      status: described.status as StateMachineExecutionChange['status'],
      error: described.error ?? null,
      cause: described.cause ?? null,
    };
  }

  it('RetryStageExecution FAILED_ACTIONS starts the run <id>_2 on the version, at the failed stage with the kept results, and the execution succeeds', async () => {
    const declaration = pipeline();
    const { executionId, firstRun } = await failedInBuild(declaration);
    expect(await endStatus(sfnOf(firstRun), firstRun)).toBe('FAILED');
    expect(await stageStatuses(executionId)).toEqual({ Source: 'Succeeded', Build: 'Failed' });
    expect([runs(`${declaration.name}-Counter`), runs(`${declaration.name}-Flaky`)]).toEqual([1, 1]);
    // The run's end is the one failStage wrote already.
    expect(await reconcileExecution(deps, await statusChange(firstRun))).toBe('already ended');

    await expect(
      operations.retryStageExecution({ pipelineName: declaration.name, stageName: 'Build', pipelineExecutionId: executionId, retryMode: 'FAILED_ACTIONS' }),
    ).resolves.toEqual({ pipelineExecutionId: executionId });

    const { versionArn } = await operations.getPipeline(declaration.name);
    const retry = starts.at(-1)!;
    expect(retry).toMatchObject({ stateMachineArn: versionArn, name: `${executionId}_2` });
    const input = JSON.parse(retry.input!) as ExecutionInput;
    // Counter succeeded and keeps no result: it is kept as {}; Source's artifact goes in as it came out.
    expect(input.pipeline).toMatchObject({ executionId, retry: { stage: 'Build', attempt: 2, kept: { a1: {} } } });
    expect(input.actions.a0!.artifacts).toEqual([expect.objectContaining({ bucketName: ARTIFACTS })]);

    const execution = await ended(executionId, 'Succeeded');
    const retryRun = execution.engineExecutionArn!;
    expect(retryRun).toBe(`arn:aws:states:${REGION}:${retry.account}:execution:sluice-${STAGE}-${declaration.name}:${executionId}_2`);
    expect(await endStatus(sfnOf(retryRun), retryRun)).toBe('SUCCEEDED');
    expect(execution).toMatchObject({
      attempt: 2,
      stageRetries: { Build: { autoStageRetryAttempt: 0, manualStageRetryAttempt: 1, latestRetryTrigger: 'ManualStageRetry' } },
    });
    expect(await stageStatuses(executionId)).toEqual({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' });
    // The run entered at Build, past Source; Counter was passed by, Flaky ran again.
    const states = await entered(retryRun);
    expect(states.slice(0, 3)).toEqual(['Enter at stage', 'Enter at the stage retried', 'Build (enter)']);
    expect(states).not.toContain('Source (enter)');
    expect([runs(`${declaration.name}-Counter`), runs(`${declaration.name}-Flaky`), runs(`${declaration.name}-Ship`)]).toEqual([1, 2, 1]);
    // The failed run of Flaky is set aside for ListActionExecutions, beside its run in attempt 2.
    const actions = [...(await deps.store.listActions(executionId)), ...(await deps.store.listActionHistory(executionId))];
    expect(
      actions
        .filter((action) => action.actionName === 'Flaky')
        .map((action) => action.status)
        .sort(),
    ).toEqual(['Failed', 'Succeeded']);
    expect(actions.filter((action) => action.actionName === 'Counter').map((action) => action.status)).toEqual(['Succeeded']);
    // A succeeded run ends nothing.
    expect(await reconcileExecution(deps, await statusChange(retryRun))).toBe('not an end');
  });

  it('RetryStageExecution ALL_ACTIONS runs every action again; the reconciler maps the end of the retry run, aborted mid-stage, back to the execution', async () => {
    const declaration = pipeline();
    const { executionId, firstRun } = await failedInBuild(declaration);

    writeFileSync(mark(`${declaration.name}-hold`), '');
    await operations.retryStageExecution({ pipelineName: declaration.name, stageName: 'Build', pipelineExecutionId: executionId, retryMode: 'ALL_ACTIONS' });
    expect(JSON.parse(starts.at(-1)!.input!).pipeline.retry).toEqual({ stage: 'Build', attempt: 2, kept: {} });
    for (const deadline = Date.now() + 30_000; runs(`${declaration.name}-Flaky`) < 2; await sleep(100)) {
      if (Date.now() > deadline) throw new Error('Flaky never ran again.');
    }
    expect(runs(`${declaration.name}-Counter`)).toBe(2);
    const retryRun = await runOf(executionId);
    expect(retryRun).toMatch(new RegExp(`:${executionId}_2$`));

    // Aborted from the console while Flaky runs; moto ends the run once Flaky's Task returns.
    await sfnOf(retryRun).send(new StopExecutionCommand({ executionArn: retryRun, cause: 'Aborted from the console' }));
    rmSync(mark(`${declaration.name}-hold`));
    expect(await endStatus(sfnOf(retryRun), retryRun)).toBe('ABORTED');
    expect((await deps.store.getExecution(executionId))!.status).toBe('InProgress');

    // The first run's end is not this execution's any more: a later run has taken over.
    expect(await reconcileExecution(deps, await statusChange(firstRun))).toBe('not ours');
    // moto keeps no cause of a StopExecution; Step Functions' event has the one it was given.
    expect(await reconcileExecution(deps, { ...(await statusChange(retryRun)), cause: 'Aborted from the console' })).toBe('failed');
    expect(await deps.store.getExecution(executionId)).toMatchObject({
      status: 'Failed',
      attempt: 2,
      statusSummary: 'Build failed: The state machine execution was aborted: Aborted from the console',
    });
    expect(await stageStatuses(executionId)).toEqual({ Source: 'Succeeded', Build: 'Failed' });
    expect((await deps.locks.read(declaration.name, 'Build')).holder).toBeUndefined();
  });

  it('retries a stage by itself (onFailure RETRY) within the same run, once, and the execution goes on', async () => {
    const declaration = pipeline({ onFailure: { result: 'RETRY', retryConfiguration: { retryMode: 'FAILED_ACTIONS' } } }, {}, true);
    const executionId = await created(declaration);
    const execution = await ended(executionId, 'Succeeded');
    expect(execution).toMatchObject({
      attempt: 2,
      stageRetries: { Build: { autoStageRetryAttempt: 1, manualStageRetryAttempt: 0, latestRetryTrigger: 'AutomatedStageRetry' } },
    });
    // One run: no other StartExecution than the first.
    expect(starts.filter((start) => start.name!.startsWith(executionId)).map((start) => start.name)).toEqual([executionId]);
    const run = execution.engineExecutionArn!;
    expect(await endStatus(sfnOf(run), run)).toBe('SUCCEEDED');
    const states = await entered(run);
    expect(states.filter((state) => state === 'Build (enter)')).toHaveLength(2);
    expect(states).toContain('Build (retry)');
    expect([runs(`${declaration.name}-Counter`), runs(`${declaration.name}-Flaky`), runs(`${declaration.name}-Ship`)]).toEqual([1, 2, 1]);
    expect(await stageStatuses(executionId)).toEqual({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Succeeded' });
  });

  const targetCheck = (result: 'FAIL' | 'SKIP'): Partial<StageDeclaration> => ({
    beforeEntry: {
      conditions: [
        {
          result,
          rules: [
            {
              name: 'ProductionOnly',
              ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'VariableCheck', version: '1' },
              configuration: { Variable: '#{variables.TARGET}', Value: 'production', Operator: 'EQ' },
            },
          ],
        },
      ],
    },
  });

  it.each(['FAIL', 'SKIP'] as const)('a beforeEntry condition (VariableCheck, result %s) runs in its Task before the stage’s actions', async (result) => {
    const declaration = pipeline({}, targetCheck(result));
    const executionId = await created(declaration);
    const execution = await ended(executionId, result === 'FAIL' ? 'Failed' : 'Succeeded');
    const run = execution.engineExecutionArn!;
    expect(await endStatus(sfnOf(run), run)).toBe(result === 'FAIL' ? 'FAILED' : 'SUCCEEDED');
    expect(await entered(run)).toContain('Deploy (beforeEntry)');
    expect(runs(`${declaration.name}-Ship`)).toBe(0);
    expect(await stageStatuses(executionId)).toEqual({ Source: 'Succeeded', Build: 'Succeeded', Deploy: result === 'FAIL' ? 'Failed' : 'Skipped' });
    expect(await deps.store.listConditions(executionId)).toEqual([
      expect.objectContaining({
        stageName: 'Deploy',
        conditionType: 'BEFORE_ENTRY',
        status: 'Failed',
        rules: [expect.objectContaining({ ruleName: 'ProductionOnly', status: 'Failed', summary: '"staging" EQ "production" is false.' })],
      }),
    ]);
    expect((await deps.locks.read(declaration.name, 'Deploy')).holder).toBeUndefined();
  });

  it("a failed stage's failure condition runs in its Task: the failure stands while its rule passes, and the stage rolls back once it fails", async () => {
    // Build fails unless TARGET is staging; a failure on canary is expected, and rolls back nothing.
    const declaration = pipeline({
      actions: [commands('Release', [`test '#{variables.TARGET}' = staging`])],
      onFailure: {
        conditions: [
          {
            result: 'ROLLBACK',
            rules: [
              {
                name: 'CanaryOnly',
                ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'VariableCheck', version: '1' },
                configuration: { Variable: '#{variables.TARGET}', Value: 'canary', Operator: 'EQ' },
              },
            ],
          },
        ],
      },
    });
    const good = await created(declaration);
    await ended(good, 'Succeeded');
    const failureConditions = async (executionId: string) =>
      (await deps.store.listConditions(executionId)).map((condition) => [
        condition.conditionType,
        condition.status,
        condition.rules.map((rule) => rule.status),
      ]);

    const { pipelineExecutionId: stands } = await operations.startPipelineExecution(declaration.name, { TARGET: 'canary' });
    const standing = await ended(stands, 'Failed');
    expect(await entered(standing.engineExecutionArn!)).toContain('Build (onFailure)');
    expect(await failureConditions(stands)).toEqual([['ON_FAILURE', 'Succeeded', ['Succeeded']]]);

    const { pipelineExecutionId: rolls } = await operations.startPipelineExecution(declaration.name, { TARGET: 'production' });
    await ended(rolls, 'Failed');
    expect(await failureConditions(rolls)).toEqual([['ON_FAILURE', 'Failed', ['Failed']]]);
    let rollback: string | undefined;
    for (const deadline = Date.now() + 30_000; !rollback && Date.now() < deadline; await sleep(200)) {
      rollback = (await deps.store.listExecutions(declaration.name)).find((execution) => execution.executionType === 'ROLLBACK')?.pipelineExecutionId;
    }
    // The rollback runs Build again with the good execution's TARGET, and succeeds.
    expect(await ended(rollback!, 'Succeeded')).toMatchObject({
      trigger: { triggerType: 'AutomatedRollback', triggerDetail: rolls },
      rollbackMetadata: { rollbackTargetPipelineExecutionId: good },
    });
    // The failure whose condition passed started none.
    expect((await deps.store.listExecutions(declaration.name)).filter((execution) => execution.executionType === 'ROLLBACK')).toHaveLength(1);
    expect(await stageStatuses(rollback!)).toEqual({ Build: 'Succeeded' });
  }, 120_000);
});
