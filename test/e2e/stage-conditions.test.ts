import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration, StageDeclaration } from '../../lib/core/declaration';
import { CONDITION_OPERATIONS } from '../../lib/api/codepipeline/condition-operations';
import { killStartedSluice, sluice, sluiceExecutionCommands, succeeded, until, writeDeclaration, type RunningCli } from '../support/cli';
import { type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { conformanceCall, conformanceRows, operationsWithoutCases, type ConformanceCase } from '../support/conformance-cases';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(240_000);

let serve: RunningCli;
let dataDir: string;
let caller: CodePipelineCaller;
let repository: string;

const data = (args: string[]) => [...args, '--data-dir', dataDir];

/** The first value `probe` gives, polled for 90 s: an execution of this scenario runs eight stages. */
const waitFor = <T>(probe: () => Promise<T | undefined>, what: string) => until(probe, what, serve, 90_000);

const rule = (name: string, provider: string, extra: object) => ({
  name,
  ruleTypeId: { category: 'Rule' as const, owner: 'AWS' as const, provider, version: '1' },
  ...extra,
});
const variableCheck = (value: string) =>
  rule('OnTarget', 'VariableCheck', { configuration: { Variable: '#{variables.Target}', Value: value, Operator: 'EQ' } });
const deploymentWindow = (cron: string) => rule('Window', 'DeploymentWindow', { configuration: { Cron: cron, TimeZone: 'Europe/Paris' } });
const commandsRule = (commands: string[]) => rule('Check', 'Commands', { commands, inputArtifacts: [{ name: 'Src' }] });

/** A stage that echoes, entered only when `rules` pass: otherwise its `result` engages. */
const gated = (name: string, result: 'FAIL' | 'SKIP', ...rules: object[]): StageDeclaration =>
  ({ name, beforeEntry: { conditions: [{ result, rules }] }, actions: [commandsOnSource('Echo', [`echo ${name}`])] }) as StageDeclaration;

/**
 * Each rule that Sluice runs without AWS, passing (its stage runs) and failing (its stage is
 * skipped), and a stage held by a rule that runs until its condition is overridden.
 */
const scenario = (name: string): PipelineDeclaration => ({
  name,
  pipelineType: 'V2',
  variables: [{ name: 'Target', defaultValue: 'beta' }],
  stages: [
    gitSourceStage(repository),
    gated('VariablePasses', 'FAIL', variableCheck('beta')),
    gated('VariableFails', 'SKIP', variableCheck('prod')),
    gated('WindowOpen', 'FAIL', deploymentWindow('* * * ? * *')),
    // A window in the year 2199 is closed now.
    gated('WindowClosed', 'SKIP', deploymentWindow('* * * ? * * 2199')),
    gated('CommandsPass', 'FAIL', commandsRule(['test -f app.txt'])),
    gated('CommandsFail', 'SKIP', commandsRule(['exit 3'])),
    gated('Overridden', 'FAIL', commandsRule(['sleep 600'])),
  ],
});

/** An entry condition with FAIL that fails: the execution fails there. */
const failing = (name: string): PipelineDeclaration => ({
  name,
  pipelineType: 'V2',
  variables: [{ name: 'Target', defaultValue: 'beta' }],
  stages: [gitSourceStage(repository), gated('Deploy', 'FAIL', variableCheck('prod'))],
});

interface ConditionView {
  latestExecution: { status: string; summary?: string };
  conditionStates: { ruleStates: { ruleName: string; latestExecution: { status: string; summary?: string } }[] }[];
}
interface StageView {
  stageName: string;
  latestExecution?: { pipelineExecutionId: string; status: string };
  beforeEntryConditionState?: ConditionView;
}

/** One way to reach sluice serve: the sluice CLI, or @aws-sdk/client-codepipeline. */
interface Driver {
  start(pipeline: string): Promise<string>;
  stages(pipeline: string): Promise<StageView[]>;
  status(pipeline: string, executionId: string): Promise<string>;
  override(pipeline: string, stage: string, executionId: string): Promise<void>;
  ruleRuns(pipeline: string, executionId: string): Promise<{ stageName: string; ruleName: string; status: string }[]>;
}

const sluiceDriver: Driver = {
  start: (pipeline) => sluiceExecutionCommands(dataDir).start(pipeline),
  stages: (pipeline) => sluiceExecutionCommands(dataDir).stages(pipeline),
  status: (pipeline, executionId) => sluiceExecutionCommands(dataDir).status(pipeline, executionId),
  override: async (pipeline, stage, executionId) =>
    void succeeded(sluice(data(['override-stage-condition', pipeline, stage, '--pipeline-execution-id', executionId, '--condition-type', 'BEFORE_ENTRY']))),
  ruleRuns: async (pipeline, executionId) =>
    JSON.parse(succeeded(sluice(data(['list-rule-executions', pipeline, '--pipeline-execution-id', executionId, '--json']))).stdout).ruleExecutionDetails,
};

const sdkDriver: Driver = {
  start: async (name) => (await caller.send('StartPipelineExecution', { name })).pipelineExecutionId as string,
  stages: async (name) => (await caller.send('GetPipelineState', { name })).stageStates as StageView[],
  status: async (pipelineName, pipelineExecutionId) =>
    ((await caller.send('GetPipelineExecution', { pipelineName, pipelineExecutionId })).pipelineExecution as { status: string }).status,
  override: async (pipelineName, stageName, pipelineExecutionId) =>
    void (await caller.send('OverrideStageCondition', { pipelineName, stageName, pipelineExecutionId, conditionType: 'BEFORE_ENTRY' })),
  ruleRuns: async (pipelineName, pipelineExecutionId) =>
    (await caller.send('ListRuleExecutions', { pipelineName, filter: { pipelineExecutionId } })).ruleExecutionDetails as {
      stageName: string;
      ruleName: string;
      status: string;
    }[],
};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-conditions-'));
  repository = gitRepository({ 'app.txt': 'v1' }).dir;
  // Registered before serve runs, so that no first execution starts.
  for (const name of ['through-sluice', 'through-sdk']) {
    succeeded(sluice(data(['create-pipeline', writeDeclaration(dataDir, scenario(name))])));
    succeeded(sluice(data(['create-pipeline', writeDeclaration(dataDir, failing(`${name}-failing`))])));
  }
  ({ serve, caller } = await serveWithCaller(dataDir, 'eu-west-1'));
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe.each([
  ['the sluice CLI', 'through-sluice', sluiceDriver],
  ['@aws-sdk/client-codepipeline', 'through-sdk', sdkDriver],
])('stage conditions through %s against sluice serve', (_, pipeline, driver) => {
  it('runs the stages whose rules pass, skips those whose rules fail, and lets an overridden condition through', async () => {
    const execution = await driver.start(pipeline);
    const stage = async (name: string) => (await driver.stages(pipeline)).find((entry) => entry.stageName === name)!;
    await waitFor(
      async () => ((await stage('Overridden')).beforeEntryConditionState?.latestExecution.status === 'InProgress' ? true : undefined),
      'the Overridden stage to evaluate its condition',
    );
    await driver.override(pipeline, 'Overridden', execution);
    await waitFor(async () => ((await driver.status(pipeline, execution)) === 'Succeeded' ? true : undefined), `${execution} to succeed`);

    const stages = await driver.stages(pipeline);
    const statuses = Object.fromEntries(stages.map((entry) => [entry.stageName, entry.latestExecution?.status]));
    expect(statuses).toEqual({
      Source: 'Succeeded',
      VariablePasses: 'Succeeded',
      VariableFails: 'Skipped',
      WindowOpen: 'Succeeded',
      WindowClosed: 'Skipped',
      CommandsPass: 'Succeeded',
      CommandsFail: 'Skipped',
      Overridden: 'Succeeded',
    });
    const conditions = Object.fromEntries(
      stages.flatMap((entry) => (entry.beforeEntryConditionState ? [[entry.stageName, entry.beforeEntryConditionState]] : [])),
    );
    expect(Object.fromEntries(Object.entries(conditions).map(([name, state]) => [name, state.latestExecution.status]))).toEqual({
      VariablePasses: 'Succeeded',
      VariableFails: 'Failed',
      WindowOpen: 'Succeeded',
      WindowClosed: 'Failed',
      CommandsPass: 'Succeeded',
      CommandsFail: 'Failed',
      Overridden: 'Overridden',
    });
    expect(conditions.VariableFails!.conditionStates[0]!.ruleStates[0]).toMatchObject({
      ruleName: 'OnTarget',
      latestExecution: { status: 'Failed', summary: '"beta" EQ "prod" is false.' },
    });
    expect(conditions.Overridden!.conditionStates[0]!.ruleStates[0]).toMatchObject({ ruleName: 'Check', latestExecution: { status: 'Abandoned' } });

    const runs = await driver.ruleRuns(pipeline, execution);
    expect(runs.map((run) => `${run.stageName}/${run.ruleName} ${run.status}`).sort()).toEqual([
      'CommandsFail/Check Failed',
      'CommandsPass/Check Succeeded',
      'Overridden/Check Abandoned',
      'VariableFails/OnTarget Failed',
      'VariablePasses/OnTarget Succeeded',
      'WindowClosed/Window Failed',
      'WindowOpen/Window Succeeded',
    ]);

    const status = succeeded(sluice(data(['status', pipeline]))).stdout;
    expect(status).toContain('  VariableFails: Skipped');
    expect(status).toContain('    entry condition: Failed: OnTarget: "beta" EQ "prod" is false.');
    expect(status).toContain('      rule Check: Abandoned');
    const audit = succeeded(sluice(data(['audit', pipeline]))).stdout;
    expect(audit).toContain('OverrideStageCondition');
  });

  it('fails the execution at a stage whose entry condition with FAIL fails', async () => {
    const execution = await driver.start(`${pipeline}-failing`);
    await waitFor(async () => ((await driver.status(`${pipeline}-failing`, execution)) === 'Failed' ? true : undefined), `${execution} to fail`);
    const deploy = (await driver.stages(`${pipeline}-failing`)).find((entry) => entry.stageName === 'Deploy')!;
    expect(deploy.latestExecution?.status).toBe('Failed');
    expect(deploy.beforeEntryConditionState?.latestExecution.status).toBe('Failed');
  });
});

describe("the stage conditions' operations of CodePipeline's protocol", () => {
  let finished = '';
  const CASES: ConformanceCase[] = [
    {
      operation: 'ListRuleTypes',
      input: () => ({ ruleOwnerFilter: 'AWS' }),
      check: (output) =>
        expect((output.ruleTypes as { id: { provider: string } }[]).map((type) => type.id.provider).sort()).toEqual([
          'CloudWatchAlarm',
          'Commands',
          'DeploymentWindow',
          'LambdaInvoke',
          'VariableCheck',
        ]),
    },
    { operation: 'ListRuleTypes', input: () => ({ ruleOwnerFilter: 'Somebody' }), refusedWith: 'ValidationException' },
    {
      operation: 'ListRuleExecutions',
      before: async () => {
        const { pipelineExecutionSummaries } = await caller.send('ListPipelineExecutions', { pipelineName: 'through-sdk-failing' });
        finished = (pipelineExecutionSummaries as { pipelineExecutionId: string }[])[0]!.pipelineExecutionId;
      },
      input: () => ({ pipelineName: 'through-sdk-failing', filter: { pipelineExecutionId: finished } }),
      check: (output) =>
        expect(output.ruleExecutionDetails).toEqual([expect.objectContaining({ stageName: 'Deploy', ruleName: 'OnTarget', status: 'Failed' })]),
    },
    { operation: 'ListRuleExecutions', input: () => ({ pipelineName: 'missing' }), refusedWith: 'PipelineNotFoundException' },
    {
      operation: 'ListRuleExecutions',
      input: () => ({ pipelineName: 'through-sdk-failing', filter: { pipelineExecutionId: '00000000-0000-0000-0000-000000000000' } }),
      refusedWith: 'PipelineExecutionNotFoundException',
    },
    { operation: 'ListRuleExecutions', input: () => ({ pipelineName: 'through-sdk-failing', nextToken: 'bm9wZQ' }), refusedWith: 'InvalidNextTokenException' },
    {
      operation: 'OverrideStageCondition',
      input: () => ({ pipelineName: 'through-sdk-failing', stageName: 'Deploy', pipelineExecutionId: finished, conditionType: 'BEFORE_ENTRY' }),
      refusedWith: 'ConditionNotOverridableException',
    },
    {
      operation: 'OverrideStageCondition',
      input: () => ({ pipelineName: 'through-sdk-failing', stageName: 'Nowhere', pipelineExecutionId: finished, conditionType: 'BEFORE_ENTRY' }),
      refusedWith: 'StageNotFoundException',
    },
    {
      operation: 'OverrideStageCondition',
      input: () => ({ pipelineName: 'missing', stageName: 'Deploy', pipelineExecutionId: finished, conditionType: 'BEFORE_ENTRY' }),
      refusedWith: 'PipelineNotFoundException',
    },
    {
      operation: 'OverrideStageCondition',
      input: () => ({ pipelineName: 'through-sdk-failing', stageName: 'Deploy', pipelineExecutionId: finished, conditionType: 'ON_FAILURE' }),
      refusedWith: 'ValidationException',
    },
    { operation: 'GetPipelineState', input: () => ({ name: 'through-sdk' }) },
  ];

  it('has cases for every operation of stage conditions', () => {
    expect(operationsWithoutCases(Object.keys(CONDITION_OPERATIONS), CASES)).toEqual([]);
  });

  it.each(conformanceRows(CASES))('%i. %s -> %s', (_, __, ___, entry) => conformanceCall(caller, entry, () => serve.output()));
});
