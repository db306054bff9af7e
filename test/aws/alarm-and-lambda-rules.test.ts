import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { PipelineDeclaration, StageDeclaration } from '../../lib/core/declaration';
import { killStartedSluice, sluice, sluiceExecutionCommands, succeeded, until, writeDeclaration, type RunningCli } from '../support/cli';
import { type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';
import { createMotoAlarm, createMotoFunction, motoClientConfig, motoEndpoint } from './support/moto-clients';
import { startMotoServer, stopMotoServer, type MotoServer } from './support/moto-server';

jest.setTimeout(180_000);

/**
 * The rules' region: moto keeps alarms, functions and the Docker-less Lambda's queue of answers
 * per region, and no other test file uses this one, so no queued answer of theirs reaches these rules.
 */
const RULES_REGION = 'ap-southeast-1';

/** A data dir and the sluice serve that runs its pipelines. */
interface Installation {
  dataDir: string;
  serve: RunningCli;
  caller: CodePipelineCaller;
}

let installation: Installation;
let repository: string;
const cloudWatch = new CloudWatchClient({ ...motoClientConfig(), region: RULES_REGION });
const lambda = new LambdaClient({ ...motoClientConfig(), region: RULES_REGION });

const data = (args: string[], { dataDir } = installation) => [...args, '--data-dir', dataDir];

const rule = (name: string, provider: string, configuration: Record<string, string>) => ({
  name,
  ruleTypeId: { category: 'Rule' as const, owner: 'AWS' as const, provider, version: '1' },
  configuration,
});

/** A stage that echoes, entered only when `ruleDeclaration` passes: otherwise its `result` engages. */
const gated = (name: string, result: 'FAIL' | 'SKIP', ruleDeclaration: object): StageDeclaration =>
  ({ name, beforeEntry: { conditions: [{ result, rules: [ruleDeclaration] }] }, actions: [commandsOnSource('Echo', [`echo ${name}`])] }) as StageDeclaration;

const setAlarm = (name: string, state: 'OK' | 'ALARM') =>
  cloudWatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'set by the test' }));

interface RuleView {
  ruleName: string;
  latestExecution: { status: string; summary?: string };
}
interface StageView {
  stageName: string;
  latestExecution?: { pipelineExecutionId: string; status: string };
  beforeEntryConditionState?: { latestExecution: { status: string }; conditionStates: { ruleStates: RuleView[] }[] };
}
interface RuleRun {
  stageName: string;
  ruleName: string;
  status: string;
  output?: { executionResult?: { externalExecutionSummary?: string } };
}

/** One way to reach sluice serve: the sluice CLI, or @aws-sdk/client-codepipeline. */
interface Driver {
  start(pipeline: string): Promise<string>;
  stages(pipeline: string): Promise<StageView[]>;
  status(pipeline: string, executionId: string): Promise<string>;
  ruleRuns(pipeline: string, executionId: string): Promise<RuleRun[]>;
}

const sluiceDriver = (at: Installation): Driver => ({
  start: (pipeline) => sluiceExecutionCommands(at.dataDir).start(pipeline),
  stages: (pipeline) => sluiceExecutionCommands(at.dataDir).stages(pipeline),
  status: (pipeline, executionId) => sluiceExecutionCommands(at.dataDir).status(pipeline, executionId),
  ruleRuns: async (pipeline, executionId) =>
    JSON.parse(succeeded(sluice(data(['list-rule-executions', pipeline, '--pipeline-execution-id', executionId, '--json'], at))).stdout).ruleExecutionDetails,
});

const sdkDriver = ({ caller }: Installation): Driver => ({
  start: async (name) => (await caller.send('StartPipelineExecution', { name })).pipelineExecutionId as string,
  stages: async (name) => (await caller.send('GetPipelineState', { name })).stageStates as StageView[],
  status: async (pipelineName, pipelineExecutionId) =>
    ((await caller.send('GetPipelineExecution', { pipelineName, pipelineExecutionId })).pipelineExecution as { status: string }).status,
  ruleRuns: async (pipelineName, pipelineExecutionId) =>
    (await caller.send('ListRuleExecutions', { pipelineName, filter: { pipelineExecutionId } })).ruleExecutionDetails as RuleRun[],
});

/** The first value `probe` gives while `at` serves, polled for 60 s. */
const waitFor = <T>(at: Installation, probe: () => Promise<T | undefined>, what: string) => until(probe, what, at.serve, 60_000);

/** Until `execution` of `pipeline` has `status`, as `driver` reads it. */
const ended = (at: Installation, driver: Driver, pipeline: string, execution: string, status: string) =>
  waitFor(at, async () => ((await driver.status(pipeline, execution)) === status ? true : undefined), `${execution} of ${pipeline} to be ${status}`);

const ruleRunLines = (runs: RuleRun[]) => runs.map((run) => `${run.stageName}/${run.ruleName} ${run.status}`).sort();

/** Each driver's own alarms and function, so that the two never see each other's state. */
interface Fixtures {
  guard: string;
  raised: string;
  functionName: string;
}
const fixtures = new Map<string, Fixtures>();

/**
 * Guarded is entered while its alarm is out of ALARM and skipped while it is in it; LambdaPasses
 * is entered when its function answers.
 */
const gatedByRules = (name: string, { guard, functionName }: Fixtures): PipelineDeclaration => ({
  name,
  pipelineType: 'V2',
  stages: [
    gitSourceStage(repository),
    gated('Guarded', 'SKIP', rule('NoErrors', 'CloudWatchAlarm', { AlarmName: guard, WaitTime: '0' })),
    gated('LambdaPasses', 'FAIL', rule('Check', 'LambdaInvoke', { FunctionName: functionName, UserParameters: 'prod' })),
  ],
});

/** An alarm in ALARM under a condition with FAIL: the execution fails there. */
const failing = (name: string, { raised }: Fixtures): PipelineDeclaration => ({
  name,
  pipelineType: 'V2',
  stages: [gitSourceStage(repository), gated('Deploy', 'FAIL', rule('NoErrors', 'CloudWatchAlarm', { AlarmName: raised, WaitTime: '0' }))],
});

/** A new data dir with `declarations` registered, before sluice serve runs so that no first execution starts. */
function dataDirWith(declarations: PipelineDeclaration[]): string {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-aws-rules-'));
  for (const declaration of declarations) succeeded(sluice(['create-pipeline', writeDeclaration(dataDir, declaration), '--data-dir', dataDir]));
  return dataDir;
}

async function serving(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Installation> {
  const { serve, caller } = await serveWithCaller(dataDir, 'eu-west-1', env);
  return { dataDir, serve, caller };
}

beforeAll(async () => {
  repository = gitRepository({ 'app.txt': 'v1' }).dir;
  // sluice serve and the CLI reach CloudWatch and Lambda as the AWS SDKs do: on moto, in the rules' region.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_REGION: RULES_REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
  const declarations: PipelineDeclaration[] = [];
  for (const name of ['through-sluice', 'through-sdk']) {
    const own = {
      guard: await createMotoAlarm(cloudWatch, 'OK'),
      raised: await createMotoAlarm(cloudWatch, 'ALARM'),
      functionName: await createMotoFunction(lambda, 'sluice-gate'),
    };
    fixtures.set(name, own);
    declarations.push(gatedByRules(name, own), failing(`${name}-failing`, own));
  }
  installation = await serving(dataDirWith(declarations));
});

afterAll(async () => {
  await installation?.serve.interrupt();
  killStartedSluice();
  cloudWatch.destroy();
  lambda.destroy();
});

describe.each([
  ['the sluice CLI', 'through-sluice', sluiceDriver],
  ['@aws-sdk/client-codepipeline', 'through-sdk', sdkDriver],
])('CloudWatchAlarm and LambdaInvoke rules on moto through %s against sluice serve', (_, pipeline, driverOf) => {
  let driver: Driver;
  beforeAll(() => (driver = driverOf(installation)));
  const stageOf = async (name: string, stage: string) => (await driver.stages(name)).find((entry) => entry.stageName === stage)!;

  it('enters the stage while its alarm is OK and skips it once SetAlarmState puts the alarm in ALARM; invokes the function', async () => {
    const { guard, functionName } = fixtures.get(pipeline)!;
    const first = await driver.start(pipeline);
    await ended(installation, driver, pipeline, first, 'Succeeded');
    const guarded = await stageOf(pipeline, 'Guarded');
    expect(guarded.latestExecution?.status).toBe('Succeeded');
    expect(guarded.beforeEntryConditionState?.conditionStates[0]!.ruleStates[0]).toMatchObject({
      ruleName: 'NoErrors',
      latestExecution: { status: 'Succeeded', summary: `Alarm ${guard} is OK.` },
    });
    expect((await stageOf(pipeline, 'LambdaPasses')).latestExecution?.status).toBe('Succeeded');

    const runs = await driver.ruleRuns(pipeline, first);
    expect(ruleRunLines(runs)).toEqual(['Guarded/NoErrors Succeeded', 'LambdaPasses/Check Succeeded']);
    // moto's Docker-less Lambda echoes what it is sent: the event that sluice serve invoked the function with.
    const invoked = runs.find((run) => run.ruleName === 'Check')!.output!.executionResult!.externalExecutionSummary!;
    expect(invoked.startsWith(`${functionName} returned `)).toBe(true);
    expect(JSON.parse(invoked.slice(`${functionName} returned `.length))).toMatchObject({
      pipelineName: pipeline,
      pipelineExecutionId: first,
      stageName: 'LambdaPasses',
      ruleName: 'Check',
      userParameters: 'prod',
    });

    await setAlarm(guard, 'ALARM');
    const second = await driver.start(pipeline);
    await ended(installation, driver, pipeline, second, 'Succeeded');
    const skipped = await stageOf(pipeline, 'Guarded');
    expect(skipped.latestExecution).toMatchObject({ pipelineExecutionId: second, status: 'Skipped' });
    expect(skipped.beforeEntryConditionState?.latestExecution.status).toBe('Failed');
    expect(skipped.beforeEntryConditionState?.conditionStates[0]!.ruleStates[0]).toMatchObject({
      ruleName: 'NoErrors',
      latestExecution: { status: 'Failed', summary: `Alarm ${guard} is ALARM, one of ALARM.` },
    });
    expect(ruleRunLines(await driver.ruleRuns(pipeline, second))).toEqual(['Guarded/NoErrors Failed', 'LambdaPasses/Check Succeeded']);
    const status = succeeded(sluice(data(['status', pipeline]))).stdout;
    expect(status).toContain('  Guarded: Skipped');
    expect(status).toContain(`    entry condition: Failed: NoErrors: Alarm ${guard} is ALARM, one of ALARM.`);
  });

  it('fails the execution at a stage whose entry condition with FAIL names an alarm in ALARM', async () => {
    const execution = await driver.start(`${pipeline}-failing`);
    await ended(installation, driver, `${pipeline}-failing`, execution, 'Failed');
    const deploy = await stageOf(`${pipeline}-failing`, 'Deploy');
    expect(deploy.latestExecution?.status).toBe('Failed');
    expect(deploy.beforeEntryConditionState?.latestExecution.status).toBe('Failed');
    expect(ruleRunLines(await driver.ruleRuns(`${pipeline}-failing`, execution))).toEqual(['Deploy/NoErrors Failed']);
  });
});

/**
 * moto's Docker-less Lambda answers an Invoke of any name, a function or not, with the payload
 * echoed, so it cannot fail a rule. moto with Lambda as it starts, on Docker, answers a function
 * that does not exist with ResourceNotFoundException before it would need Docker: a moto_server of
 * this describe's own, which only AWS_ENDPOINT_URL_LAMBDA points at.
 */
describe('a LambdaInvoke rule naming a function that does not exist (moto on Docker, whose Lambda refuses it)', () => {
  let lambdaServer: MotoServer;
  let refusing: Installation;
  const missing = (name: string): PipelineDeclaration => ({
    name,
    pipelineType: 'V2',
    stages: [gitSourceStage(repository), gated('Deploy', 'FAIL', rule('Check', 'LambdaInvoke', { FunctionName: 'sluice-no-such-function' }))],
  });

  beforeAll(async () => {
    lambdaServer = await startMotoServer();
    refusing = await serving(dataDirWith([missing('missing-through-sluice'), missing('missing-through-sdk')]), {
      AWS_ENDPOINT_URL_LAMBDA: lambdaServer.endpoint,
    });
  });
  afterAll(async () => {
    await refusing?.serve.interrupt();
    if (lambdaServer) await stopMotoServer(lambdaServer);
  });

  it.each([
    ['the sluice CLI', 'missing-through-sluice', sluiceDriver],
    ['@aws-sdk/client-codepipeline', 'missing-through-sdk', sdkDriver],
  ])('fails the rule and the execution, through %s', async (_, pipeline, driverOf) => {
    const driver = driverOf(refusing);
    const execution = await driver.start(pipeline);
    await ended(refusing, driver, pipeline, execution, 'Failed');
    const deploy = (await driver.stages(pipeline)).find((entry) => entry.stageName === 'Deploy')!;
    expect(deploy.latestExecution?.status).toBe('Failed');
    expect(deploy.beforeEntryConditionState?.conditionStates[0]!.ruleStates[0]).toMatchObject({
      ruleName: 'Check',
      latestExecution: { status: 'Failed', summary: expect.stringMatching(/^sluice-no-such-function could not be invoked: .*Function not found/) },
    });
    expect(ruleRunLines(await driver.ruleRuns(pipeline, execution))).toEqual(['Deploy/Check Failed']);
  });
});
