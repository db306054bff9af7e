import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { PipelineDeclaration, StageDeclaration } from '../../lib/core/declaration';
import { killStartedSluice, sluice, sluiceExecutionCommands, succeeded, until, writeDeclaration, type RunningCli } from '../support/cli';
import { type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';
import { createMotoFunction, motoClientConfig, motoEndpoint, uniqueName } from './support/moto-clients';

jest.setTimeout(180_000);

/**
 * The rules' region: moto keeps alarms, functions and the Docker-less Lambda's queue of answers
 * per region, and no other test file uses this one, so no queued answer of theirs reaches these rules.
 */
const RULES_REGION = 'ap-southeast-1';

let serve: RunningCli;
let dataDir: string;
let caller: CodePipelineCaller;
let repository: string;
const cloudWatch = new CloudWatchClient({ ...motoClientConfig(), region: RULES_REGION });
const lambda = new LambdaClient({ ...motoClientConfig(), region: RULES_REGION });

const data = (args: string[]) => [...args, '--data-dir', dataDir];
const waitFor = <T>(probe: () => Promise<T | undefined>, what: string) => until(probe, what, serve, 60_000);

const rule = (name: string, provider: string, configuration: Record<string, string>) => ({
  name,
  ruleTypeId: { category: 'Rule' as const, owner: 'AWS' as const, provider, version: '1' },
  configuration,
});

/** A stage that echoes, entered only when `ruleDeclaration` passes: otherwise its `result` engages. */
const gated = (name: string, result: 'FAIL' | 'SKIP', ruleDeclaration: object): StageDeclaration =>
  ({ name, beforeEntry: { conditions: [{ result, rules: [ruleDeclaration] }] }, actions: [commandsOnSource('Echo', [`echo ${name}`])] }) as StageDeclaration;

async function alarmIn(state: 'OK' | 'ALARM'): Promise<string> {
  const name = uniqueName('sluice-errors');
  await cloudWatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      MetricName: 'Errors',
      Namespace: 'Sluice/Test',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
  await setAlarm(name, state);
  return name;
}

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

const sluiceDriver: Driver = {
  start: (pipeline) => sluiceExecutionCommands(dataDir).start(pipeline),
  stages: (pipeline) => sluiceExecutionCommands(dataDir).stages(pipeline),
  status: (pipeline, executionId) => sluiceExecutionCommands(dataDir).status(pipeline, executionId),
  ruleRuns: async (pipeline, executionId) =>
    JSON.parse(succeeded(sluice(data(['list-rule-executions', pipeline, '--pipeline-execution-id', executionId, '--json']))).stdout).ruleExecutionDetails,
};

const sdkDriver: Driver = {
  start: async (name) => (await caller.send('StartPipelineExecution', { name })).pipelineExecutionId as string,
  stages: async (name) => (await caller.send('GetPipelineState', { name })).stageStates as StageView[],
  status: async (pipelineName, pipelineExecutionId) =>
    ((await caller.send('GetPipelineExecution', { pipelineName, pipelineExecutionId })).pipelineExecution as { status: string }).status,
  ruleRuns: async (pipelineName, pipelineExecutionId) =>
    (await caller.send('ListRuleExecutions', { pipelineName, filter: { pipelineExecutionId } })).ruleExecutionDetails as RuleRun[],
};

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

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-aws-rules-'));
  repository = gitRepository({ 'app.txt': 'v1' }).dir;
  // sluice serve and the CLI reach CloudWatch and Lambda as the AWS SDKs do: on moto, in the rules' region.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: motoEndpoint(),
    AWS_REGION: RULES_REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
  for (const name of ['through-sluice', 'through-sdk']) {
    const own = { guard: await alarmIn('OK'), raised: await alarmIn('ALARM'), functionName: await createMotoFunction(lambda, 'sluice-gate') };
    fixtures.set(name, own);
    // Registered before serve runs, so that no first execution starts.
    succeeded(sluice(data(['create-pipeline', writeDeclaration(dataDir, gatedByRules(name, own))])));
    succeeded(sluice(data(['create-pipeline', writeDeclaration(dataDir, failing(`${name}-failing`, own))])));
  }
  ({ serve, caller } = await serveWithCaller(dataDir, 'eu-west-1'));
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
  cloudWatch.destroy();
  lambda.destroy();
});

describe.each([
  ['the sluice CLI', 'through-sluice', sluiceDriver],
  ['@aws-sdk/client-codepipeline', 'through-sdk', sdkDriver],
])('CloudWatchAlarm and LambdaInvoke rules on moto through %s against sluice serve', (_, pipeline, driver) => {
  const ended = async (name: string, execution: string, status: string) =>
    waitFor(async () => ((await driver.status(name, execution)) === status ? true : undefined), `${execution} of ${name} to be ${status}`);
  const stageOf = async (name: string, stage: string) => (await driver.stages(name)).find((entry) => entry.stageName === stage)!;

  it('enters the stage while its alarm is OK and skips it once SetAlarmState puts the alarm in ALARM; invokes the function', async () => {
    const { guard, functionName } = fixtures.get(pipeline)!;
    const first = await driver.start(pipeline);
    await ended(pipeline, first, 'Succeeded');
    const guarded = await stageOf(pipeline, 'Guarded');
    expect(guarded.latestExecution?.status).toBe('Succeeded');
    expect(guarded.beforeEntryConditionState?.conditionStates[0]!.ruleStates[0]).toMatchObject({
      ruleName: 'NoErrors',
      latestExecution: { status: 'Succeeded', summary: `Alarm ${guard} is OK.` },
    });
    expect((await stageOf(pipeline, 'LambdaPasses')).latestExecution?.status).toBe('Succeeded');

    const runs = await driver.ruleRuns(pipeline, first);
    expect(runs.map((run) => `${run.stageName}/${run.ruleName} ${run.status}`).sort()).toEqual(['Guarded/NoErrors Succeeded', 'LambdaPasses/Check Succeeded']);
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
    await ended(pipeline, second, 'Succeeded');
    const skipped = await stageOf(pipeline, 'Guarded');
    expect(skipped.latestExecution).toMatchObject({ pipelineExecutionId: second, status: 'Skipped' });
    expect(skipped.beforeEntryConditionState?.latestExecution.status).toBe('Failed');
    expect(skipped.beforeEntryConditionState?.conditionStates[0]!.ruleStates[0]).toMatchObject({
      ruleName: 'NoErrors',
      latestExecution: { status: 'Failed', summary: `Alarm ${guard} is ALARM, one of ALARM.` },
    });
    expect((await driver.ruleRuns(pipeline, second)).map((run) => `${run.stageName}/${run.ruleName} ${run.status}`).sort()).toEqual([
      'Guarded/NoErrors Failed',
      'LambdaPasses/Check Succeeded',
    ]);
    const status = succeeded(sluice(data(['status', pipeline]))).stdout;
    expect(status).toContain('  Guarded: Skipped');
    expect(status).toContain(`    entry condition: Failed: NoErrors: Alarm ${guard} is ALARM, one of ALARM.`);
  });

  it('fails the execution at a stage whose entry condition with FAIL names an alarm in ALARM', async () => {
    const execution = await driver.start(`${pipeline}-failing`);
    await ended(`${pipeline}-failing`, execution, 'Failed');
    const deploy = await stageOf(`${pipeline}-failing`, 'Deploy');
    expect(deploy.latestExecution?.status).toBe('Failed');
    expect(deploy.beforeEntryConditionState?.latestExecution.status).toBe('Failed');
    expect((await driver.ruleRuns(`${pipeline}-failing`, execution)).map((run) => `${run.stageName}/${run.ruleName} ${run.status}`)).toEqual([
      'Deploy/NoErrors Failed',
    ]);
  });
});
