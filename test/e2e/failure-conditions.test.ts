import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration, StageDeclaration } from '../../lib/core/declaration';
import { actionMarks } from '../support/action-marks';
import { killStartedSluice, sluice, succeeded, until, writeDeclaration, type RunningCli } from '../support/cli';
import { type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(240_000);

let serve: RunningCli;
let dataDir: string;
let caller: CodePipelineCaller;
let repository: string;
const { file, counter, deploy, deployedWith } = actionMarks(mkdtempSync(path.join(os.tmpdir(), 'sluice-failure-condition-marks-')));

const data = (args: string[]) => [...args, '--data-dir', dataDir];
const waitFor = <T>(probe: () => Promise<T | undefined>, what: string) => until(probe, what, serve, 90_000);

/**
 * Source; Build, whose Counter exports RUN; Deploy, which writes the RUN it was given and fails once
 * when the pipeline's `fail` mark exists. Deploy's failure condition passes while the pipeline
 * variable Health is "ok": `onFailure` gives its result beside the condition's, or leaves it out.
 */
function pipelineNamed(name: string, onFailureResult: Pick<NonNullable<StageDeclaration['onFailure']>, 'result'>): PipelineDeclaration {
  const healthy = {
    name: 'Healthy',
    ruleTypeId: { category: 'Rule' as const, owner: 'AWS' as const, provider: 'VariableCheck', version: '1' },
    configuration: { Variable: '#{variables.Health}', Value: 'ok', Operator: 'EQ' },
  };
  return {
    name,
    pipelineType: 'V2',
    variables: [{ name: 'Health', defaultValue: 'ok' }],
    stages: [
      gitSourceStage(repository),
      { name: 'Build', actions: [counter(name)] },
      {
        name: 'Deploy',
        actions: [deploy(name)],
        onFailure: { ...onFailureResult, conditions: [{ result: 'ROLLBACK', rules: [healthy] }] },
      },
    ],
  } as PipelineDeclaration;
}

interface ExecutionView {
  pipelineExecutionId: string;
  status: string;
  executionType?: string;
  trigger: { triggerType: string; triggerDetail?: string };
  rollbackMetadata?: { rollbackTargetPipelineExecutionId: string };
}
interface StageView {
  stageName: string;
  latestExecution?: { pipelineExecutionId: string; status: string };
  onFailureConditionState?: {
    latestExecution: { status: string; summary?: string };
    conditionStates: { ruleStates: { ruleName: string; latestExecution: { status: string; summary?: string } }[] }[];
  };
}

/** One way to reach sluice serve: the sluice CLI, or @aws-sdk/client-codepipeline. */
interface Driver {
  start(pipeline: string, health: string): Promise<string>;
  deploy(pipeline: string): Promise<StageView>;
  executions(pipeline: string): Promise<ExecutionView[]>;
  ruleRuns(pipeline: string, executionId: string): Promise<{ stageName: string; ruleName: string; status: string }[]>;
}

const sluiceDriver: Driver = {
  start: async (pipeline, health) => succeeded(sluice(data(['start-pipeline-execution', pipeline, '--var', `Health=${health}`]))).stdout.trim(),
  deploy: async (pipeline) =>
    (JSON.parse(succeeded(sluice(data(['status', pipeline, '--json']))).stdout).stageStates as StageView[]).find((stage) => stage.stageName === 'Deploy')!,
  executions: async (pipeline) => JSON.parse(succeeded(sluice(data(['executions', pipeline, '--json']))).stdout).pipelineExecutionSummaries,
  ruleRuns: async (pipeline, executionId) =>
    JSON.parse(succeeded(sluice(data(['list-rule-executions', pipeline, '--pipeline-execution-id', executionId, '--json']))).stdout).ruleExecutionDetails,
};

const sdkDriver: Driver = {
  start: async (name, health) =>
    (await caller.send('StartPipelineExecution', { name, variables: [{ name: 'Health', value: health }] })).pipelineExecutionId as string,
  deploy: async (name) => ((await caller.send('GetPipelineState', { name })).stageStates as StageView[]).find((stage) => stage.stageName === 'Deploy')!,
  executions: async (pipelineName) => (await caller.send('ListPipelineExecutions', { pipelineName })).pipelineExecutionSummaries as ExecutionView[],
  ruleRuns: async (pipelineName, pipelineExecutionId) =>
    (await caller.send('ListRuleExecutions', { pipelineName, filter: { pipelineExecutionId } })).ruleExecutionDetails as {
      stageName: string;
      ruleName: string;
      status: string;
    }[],
};

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-failure-conditions-'));
  repository = gitRepository({ 'app.txt': 'v1' }).dir;
  // Registered before serve runs, so that no first execution starts.
  for (const pipeline of [pipelineNamed('through-sluice', { result: 'ROLLBACK' }), pipelineNamed('through-sdk', {})]) {
    succeeded(sluice(data(['create-pipeline', writeDeclaration(dataDir, pipeline)])));
  }
  ({ serve, caller } = await serveWithCaller(dataDir, 'eu-west-1'));
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe.each([
  ['the sluice CLI, with onFailure.result ROLLBACK beside the condition', 'through-sluice', sluiceDriver],
  ['@aws-sdk/client-codepipeline, with the condition alone', 'through-sdk', sdkDriver],
])('failure conditions through %s against sluice serve', (_, pipeline, driver) => {
  const ended = (executionId: string, status: string) =>
    waitFor(async () => {
      const execution = (await driver.executions(pipeline)).find((entry) => entry.pipelineExecutionId === executionId);
      return execution?.status === status ? execution : undefined;
    }, `${executionId} to be ${status}`);

  it('a failed stage whose failure condition passes stays Failed; one whose condition fails rolls back to the last execution that succeeded there', async () => {
    const good = await driver.start(pipeline, 'ok');
    await ended(good, 'Succeeded');
    expect(deployedWith(pipeline)).toBe('1');
    // A stage that succeeds does not evaluate its failure condition.
    expect((await driver.deploy(pipeline)).onFailureConditionState).toBeUndefined();

    writeFileSync(file(pipeline, 'fail'), '');
    const stands = await driver.start(pipeline, 'ok');
    await ended(stands, 'Failed');
    const deploy = await driver.deploy(pipeline);
    expect(deploy.latestExecution).toMatchObject({ pipelineExecutionId: stands, status: 'Failed' });
    expect(deploy.onFailureConditionState).toMatchObject({
      latestExecution: { status: 'Succeeded' },
      conditionStates: [{ ruleStates: [{ ruleName: 'Healthy', latestExecution: { status: 'Succeeded', summary: '"ok" EQ "ok" is true.' } }] }],
    });
    if (driver === sluiceDriver) {
      const status = succeeded(sluice(data(['status', pipeline]))).stdout;
      expect(status).toContain('    failure condition: Succeeded');
      expect(status).toMatch(/ {6}rule Healthy: Succeeded at \S+: "ok" EQ "ok" is true\./);
    }

    writeFileSync(file(pipeline, 'fail'), '');
    const rolls = await driver.start(pipeline, 'degraded');
    await ended(rolls, 'Failed');
    const rollback = await waitFor(async () => {
      const found = (await driver.executions(pipeline)).find((entry) => entry.executionType === 'ROLLBACK');
      return found?.status === 'Succeeded' ? found : undefined;
    }, 'the rollback to succeed');
    expect(rollback).toMatchObject({
      trigger: { triggerType: 'AutomatedRollback', triggerDetail: rolls },
      rollbackMetadata: { rollbackTargetPipelineExecutionId: good },
    });
    // The rollback deployed again what the good execution's Build gave Deploy.
    expect(deployedWith(pipeline)).toBe('1');
    expect((await driver.ruleRuns(pipeline, rolls)).map((run) => `${run.stageName}/${run.ruleName} ${run.status}`)).toEqual(['Deploy/Healthy Failed']);
    expect((await driver.ruleRuns(pipeline, stands)).map((run) => `${run.stageName}/${run.ruleName} ${run.status}`)).toEqual(['Deploy/Healthy Succeeded']);

    // The failure whose condition passed started no rollback: the one rollback is the other's.
    const executions = await driver.executions(pipeline);
    expect(executions.filter((entry) => entry.executionType === 'ROLLBACK').map((entry) => entry.trigger.triggerDetail)).toEqual([rolls]);
    expect(executions.map((entry) => [entry.pipelineExecutionId, entry.status])).toEqual([
      [rollback.pipelineExecutionId, 'Succeeded'],
      [rolls, 'Failed'],
      [stands, 'Failed'],
      [good, 'Succeeded'],
    ]);
  });
});
