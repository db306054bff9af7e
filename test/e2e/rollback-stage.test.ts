import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration, StageDeclaration } from '../../lib/core/declaration';
import { actionMarks } from '../support/action-marks';
import { killStartedSluice, sluice, succeeded, until, writeDeclaration, type RunningCli } from '../support/cli';
import { refusal, type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(240_000);

let serve: RunningCli;
let dataDir: string;
let caller: CodePipelineCaller;
let repository: string;
const { file, runs, count, counter, deploy: deployAction, deployedWith } = actionMarks(mkdtempSync(path.join(os.tmpdir(), 'sluice-rollback-marks-')));

const data = (args: string[]) => [...args, '--data-dir', dataDir];
const waitFor = <T>(probe: () => Promise<T | undefined>, what: string) => until(probe, what, serve, 90_000);

/**
 * Source; Build, whose Counter exports RUN, how many times it ran; Deploy, which writes the RUN it
 * was given, fails once when the pipeline's `fail` mark exists (taking it away), and waits while its
 * `hold` mark exists; then Smoke, which counts its runs.
 */
function pipelineNamed(name: string, deploy: Partial<StageDeclaration> = {}, extra: Partial<PipelineDeclaration> = {}): PipelineDeclaration {
  return {
    name,
    pipelineType: 'V2',
    stages: [
      gitSourceStage(repository),
      { name: 'Build', actions: [counter(name)] },
      {
        name: 'Deploy',
        actions: [deployAction(name, [`while [ -f ${file(name, 'hold')} ]; do sleep 0.1; done`])],
        ...deploy,
      },
      { name: 'Smoke', actions: [commandsOnSource('Smoke', [count(name, 'Smoke')])] },
    ],
    ...extra,
  };
}

interface ExecutionView {
  pipelineExecutionId: string;
  status: string;
  trigger: { triggerType: string; triggerDetail: string };
  executionType: string;
  rollbackMetadata?: { rollbackTargetPipelineExecutionId: string };
}

interface StageView {
  stageName: string;
  latestExecution?: { pipelineExecutionId: string; status: string };
}

const executionOf = async (pipelineName: string, pipelineExecutionId: string) =>
  (await caller.send('GetPipelineExecution', { pipelineName, pipelineExecutionId })).pipelineExecution as ExecutionView;

const ended = (pipeline: string, executionId: string, status: string) =>
  waitFor(async () => ((await executionOf(pipeline, executionId)).status === status ? true : undefined), `${executionId} to be ${status}`);

const start = async (name: string) => (await caller.send('StartPipelineExecution', { name })).pipelineExecutionId as string;

const latest = async (pipelineName: string) =>
  ((await caller.send('ListPipelineExecutions', { pipelineName, maxResults: 1 })).pipelineExecutionSummaries as ExecutionView[])[0]!;

/** sluice rollback-stage through serve; the id of the execution it started, from what it printed. */
function rollbackStage(pipeline: string, stage: string, target?: string): string {
  const result = succeeded(sluice(data(['rollback-stage', pipeline, stage, ...(target ? ['--target-execution-id', target] : [])])));
  return /in execution (\S+)\n$/.exec(result.stdout)![1]!;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-rollback-'));
  repository = gitRepository({ 'app.txt': 'v1' }).dir;
  const pipelines = [
    pipelineNamed('rollback-auto', { onFailure: { result: 'ROLLBACK' } }),
    pipelineNamed('rollback-manual'),
    pipelineNamed('rollback-refused'),
    pipelineNamed('rollback-parallel', {}, { executionMode: 'PARALLEL' }),
  ];
  // Registered before serve runs, so that no first execution starts.
  for (const pipeline of pipelines) expect(sluice(data(['create-pipeline', writeDeclaration(dataDir, pipeline)])).code).toBe(0);
  ({ serve, caller } = await serveWithCaller(dataDir, 'eu-west-1'));
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe('RollbackStage against sluice serve', () => {
  it('a stage with onFailure ROLLBACK rolls back by itself: a new ROLLBACK execution deploys again what the last good execution deployed, and nothing after', async () => {
    const pipeline = 'rollback-auto';
    const good = await start(pipeline);
    await ended(pipeline, good, 'Succeeded');
    expect(deployedWith(pipeline)).toBe('1');

    writeFileSync(file(pipeline, 'fail'), '');
    const bad = await start(pipeline);
    await ended(pipeline, bad, 'Failed');
    const rollback = await waitFor(async () => {
      const newest = await latest(pipeline);
      return newest.pipelineExecutionId !== bad && newest.status === 'Succeeded' ? newest : undefined;
    }, 'the automatic rollback to succeed');
    expect(rollback).toMatchObject({
      executionType: 'ROLLBACK',
      trigger: { triggerType: 'AutomatedRollback', triggerDetail: bad },
      rollbackMetadata: { rollbackTargetPipelineExecutionId: good },
    });
    // The rollback ran Deploy alone, with the RUN of the good execution's Build.
    expect(deployedWith(pipeline)).toBe('1');
    expect([runs(pipeline, 'Counter'), runs(pipeline, 'Smoke')]).toEqual([2, 1]);
    const stages = (await caller.send('GetPipelineState', { name: pipeline })).stageStates as {
      stageName: string;
      latestExecution?: { pipelineExecutionId: string };
    }[];
    expect(stages.find((stage) => stage.stageName === 'Deploy')!.latestExecution).toMatchObject({
      pipelineExecutionId: rollback.pipelineExecutionId,
      status: 'Succeeded',
    });
  });

  it('sluice rollback-stage rolls back to the execution named, or by default to the last that succeeded in the stage, and the audit trail records it', async () => {
    const pipeline = 'rollback-manual';
    const first = await start(pipeline);
    await ended(pipeline, first, 'Succeeded');
    const second = await start(pipeline);
    await ended(pipeline, second, 'Succeeded');
    expect(deployedWith(pipeline)).toBe('2');

    const named = rollbackStage(pipeline, 'Deploy', first);
    await ended(pipeline, named, 'Succeeded');
    expect(deployedWith(pipeline)).toBe('1');
    expect(await executionOf(pipeline, named)).toMatchObject({
      executionType: 'ROLLBACK',
      trigger: { triggerType: 'ManualRollback' },
      rollbackMetadata: { rollbackTargetPipelineExecutionId: first },
    });

    // The rollback is no target: the last standard execution that succeeded in Deploy is.
    const byDefault = rollbackStage(pipeline, 'Deploy');
    await ended(pipeline, byDefault, 'Succeeded');
    expect(deployedWith(pipeline)).toBe('2');
    expect((await executionOf(pipeline, byDefault)).rollbackMetadata).toEqual({ rollbackTargetPipelineExecutionId: second });
    expect([runs(pipeline, 'Counter'), runs(pipeline, 'Smoke')]).toEqual([2, 2]);

    const { auditRecords } = JSON.parse(succeeded(sluice(data(['audit', pipeline, '--json']))).stdout) as { auditRecords: Record<string, unknown>[] };
    expect(auditRecords.slice(0, 2)).toEqual([
      expect.objectContaining({
        operation: 'RollbackStage',
        stageName: 'Deploy',
        pipelineExecutionId: byDefault,
        parameters: { targetPipelineExecutionId: second },
      }),
      expect.objectContaining({
        operation: 'RollbackStage',
        stageName: 'Deploy',
        pipelineExecutionId: named,
        parameters: { targetPipelineExecutionId: first },
      }),
    ]);
  });

  it('refuses, with CodePipeline error codes, the source stage, a target that did not succeed there, an unknown target, a stage running now and a PARALLEL pipeline', async () => {
    const pipeline = 'rollback-refused';
    const rollback = (stageName: string, targetPipelineExecutionId: string, pipelineName = pipeline) =>
      refusal(caller.send('RollbackStage', { pipelineName, stageName, targetPipelineExecutionId }));
    const good = await start(pipeline);
    await ended(pipeline, good, 'Succeeded');
    writeFileSync(file(pipeline, 'fail'), '');
    const bad = await start(pipeline);
    await ended(pipeline, bad, 'Failed');

    expect(await rollback('Source', good)).toMatchObject({ code: 'UnableToRollbackStageException', message: expect.stringContaining('source stage') });
    expect(await rollback('Deploy', bad)).toMatchObject({
      code: 'UnableToRollbackStageException',
      message: expect.stringContaining('did not succeed in Deploy'),
    });
    expect(await rollback('Deploy', '00000000-0000-0000-0000-000000000000')).toMatchObject({ code: 'PipelineExecutionNotFoundException' });
    expect(await rollback('Nowhere', good)).toMatchObject({ code: 'StageNotFoundException' });

    writeFileSync(file(pipeline, 'hold'), '');
    const held = await start(pipeline);
    await waitFor(async () => {
      const stages = (await caller.send('GetPipelineState', { name: pipeline })).stageStates as StageView[];
      const deploy = stages.find((stage) => stage.stageName === 'Deploy')!.latestExecution;
      return deploy?.pipelineExecutionId === held && deploy.status === 'InProgress' ? true : undefined;
    }, 'the held execution to run Deploy');
    expect(await rollback('Deploy', good)).toMatchObject({ code: 'UnableToRollbackStageException', message: expect.stringContaining('is running Deploy') });
    const cli = sluice(data(['rollback-stage', pipeline, 'Deploy']));
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain(`Execution ${held} is running Deploy`);
    rmSync(file(pipeline, 'hold'));
    await ended(pipeline, held, 'Succeeded');

    const parallel = await start('rollback-parallel');
    await ended('rollback-parallel', parallel, 'Succeeded');
    expect(await rollback('Deploy', parallel, 'rollback-parallel')).toMatchObject({
      code: 'UnableToRollbackStageException',
      message: expect.stringContaining('PARALLEL'),
    });
    // No refusal started an execution.
    expect((await latest(pipeline)).pipelineExecutionId).toBe(held);
  });
});
