import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration, StageDeclaration } from '../../lib/core/declaration';
import { actionMarks } from '../support/action-marks';
import { killStartedSluice, sluice, writeDeclaration, type RunningCli } from '../support/cli';
import { refusal, type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(240_000);

let serve: RunningCli;
let dataDir: string;
let caller: CodePipelineCaller;
let repository: string;
const { file, runs, count, counter } = actionMarks(mkdtempSync(path.join(os.tmpdir(), 'sluice-retry-marks-')));

const data = (args: string[]) => [...args, '--data-dir', dataDir];

function succeeded<T extends { code: number | null; stderr: string }>(result: T): T {
  if (result.code !== 0) throw new Error(`exited ${result.code}: ${result.stderr}`);
  return result;
}

/** The first value `probe` gives, polled for 90 s; giving up names `what` and shows what serve printed. */
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`Gave up waiting for ${what}. sluice serve printed:\n${serve.output()}`);
}

/**
 * Source, then Build: Counter (which exports RUN, how many times it ran) beside Flaky, which
 * fails while the pipeline's `fail` mark exists (or, `failOnce`, only the first time); then Deploy,
 * which writes the RUN it was given.
 */
function pipelineNamed(name: string, build: Partial<StageDeclaration> = {}, failOnce = false): PipelineDeclaration {
  const flaky = failOnce
    ? `if [ -f ${file(name, 'failed-once')} ]; then true; else touch ${file(name, 'failed-once')}; false; fi`
    : `test ! -f ${file(name, 'fail')}`;
  return {
    name,
    pipelineType: 'V2',
    stages: [
      gitSourceStage(repository),
      {
        name: 'Build',
        actions: [counter(name), commandsOnSource('Flaky', [count(name, 'Flaky'), flaky])],
        ...build,
      },
      { name: 'Deploy', actions: [commandsOnSource('Deploy', [`echo '#{BuildVariables.RUN}' > ${file(name, 'deployed-with')}`])] },
    ],
  };
}

const statusOf = async (pipelineName: string, pipelineExecutionId: string) =>
  ((await caller.send('GetPipelineExecution', { pipelineName, pipelineExecutionId })).pipelineExecution as { status: string }).status;

const ended = (pipeline: string, executionId: string, status: string) =>
  until(async () => ((await statusOf(pipeline, executionId)) === status ? true : undefined), `${executionId} to be ${status}`);

const start = async (name: string) => (await caller.send('StartPipelineExecution', { name })).pipelineExecutionId as string;

interface EventView {
  'detail-type': string;
  detail: { state: string; stage?: string; action?: string; 'pipeline-execution-attempt': number };
}
const eventsOf = (executionId: string) => (JSON.parse(succeeded(sluice(data(['events', executionId, '--json']))).stdout) as { events: EventView[] }).events;

interface ActionExecution {
  actionName: string;
  status: string;
  actionExecutionId: string;
}
const actionExecutions = async (pipelineName: string, pipelineExecutionId: string) =>
  (await caller.send('ListActionExecutions', { pipelineName, filter: { pipelineExecutionId } })).actionExecutionDetails as ActionExecution[];

const stageState = async (name: string, stage: string) =>
  ((await caller.send('GetPipelineState', { name })).stageStates as { stageName: string; retryStageMetadata?: unknown; latestExecution?: unknown }[]).find(
    (entry) => entry.stageName === stage,
  )!;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-retry-'));
  repository = gitRepository({ 'app.txt': 'v1' }).dir;
  const pipelines = [
    pipelineNamed('retry-failed'),
    pipelineNamed('retry-all'),
    pipelineNamed('retry-refused'),
    pipelineNamed('retry-auto', { onFailure: { result: 'RETRY', retryConfiguration: { retryMode: 'FAILED_ACTIONS' } } }, true),
    pipelineNamed('retry-auto-fails', { onFailure: { result: 'RETRY', retryConfiguration: { retryMode: 'ALL_ACTIONS' } } }),
  ];
  // Registered before serve runs, so that no first execution starts.
  for (const pipeline of pipelines) expect(sluice(data(['create-pipeline', writeDeclaration(dataDir, pipeline)])).code).toBe(0);
  ({ serve, caller } = await serveWithCaller(dataDir, 'eu-west-1'));
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe('RetryStageExecution against sluice serve', () => {
  it('sluice retry-stage-execution --retry-mode FAILED_ACTIONS runs only the failed action again, in the same execution, which goes on with the kept results', async () => {
    const pipeline = 'retry-failed';
    writeFileSync(file(pipeline, 'fail'), '');
    const executionId = await start(pipeline);
    await ended(pipeline, executionId, 'Failed');
    expect([runs(pipeline, 'Counter'), runs(pipeline, 'Flaky')]).toEqual([1, 1]);
    const before = await actionExecutions(pipeline, executionId);

    rmSync(file(pipeline, 'fail'));
    const retried = sluice(data(['retry-stage-execution', pipeline, 'Build', '--execution-id', executionId, '--retry-mode', 'FAILED_ACTIONS']));
    expect(retried).toMatchObject({ code: 0, stdout: `Retrying ${pipeline}/Build (FAILED_ACTIONS) in execution ${executionId}\n` });
    await ended(pipeline, executionId, 'Succeeded');

    // Counter kept its run and its variable; Flaky ran again; Deploy got the kept RUN.
    expect([runs(pipeline, 'Counter'), runs(pipeline, 'Flaky'), runs(pipeline, 'Deploy')]).toEqual([1, 2, 0]);
    expect(readFileSync(file(pipeline, 'deployed-with'), 'utf8').trim()).toBe('1');
    const after = await actionExecutions(pipeline, executionId);
    const flaky = after.filter((action) => action.actionName === 'Flaky').map((action) => action.status);
    expect(flaky.sort()).toEqual(['Failed', 'Succeeded']);
    const counter = after.filter((action) => action.actionName === 'Counter');
    expect(counter).toEqual(before.filter((action) => action.actionName === 'Counter'));

    const events = eventsOf(executionId);
    const resumed = events.findIndex((event) => event['detail-type'].includes('Pipeline') && event.detail.state === 'RESUMED');
    expect(resumed).toBeGreaterThan(0);
    expect(new Set(events.slice(0, resumed).map((event) => event.detail['pipeline-execution-attempt']))).toEqual(new Set([1]));
    expect(new Set(events.slice(resumed).map((event) => event.detail['pipeline-execution-attempt']))).toEqual(new Set([2]));
    expect(events.at(-1)!.detail.state).toBe('SUCCEEDED');

    expect(await stageState(pipeline, 'Build')).toMatchObject({
      retryStageMetadata: { autoStageRetryAttempt: 0, manualStageRetryAttempt: 1, latestRetryTrigger: 'ManualStageRetry' },
    });
    const { auditRecords } = JSON.parse(succeeded(sluice(data(['audit', pipeline, '--json']))).stdout) as { auditRecords: Record<string, unknown>[] };
    expect(auditRecords[0]).toMatchObject({
      operation: 'RetryStageExecution',
      pipelineName: pipeline,
      stageName: 'Build',
      pipelineExecutionId: executionId,
      parameters: { retryMode: 'FAILED_ACTIONS' },
    });
  });

  it('RetryStageExecution with ALL_ACTIONS through the CodePipeline API runs every action of the stage again', async () => {
    const pipeline = 'retry-all';
    writeFileSync(file(pipeline, 'fail'), '');
    const executionId = await start(pipeline);
    await ended(pipeline, executionId, 'Failed');
    rmSync(file(pipeline, 'fail'));
    const answer = await caller.send('RetryStageExecution', {
      pipelineName: pipeline,
      stageName: 'Build',
      pipelineExecutionId: executionId,
      retryMode: 'ALL_ACTIONS',
    });
    expect(answer).toMatchObject({ pipelineExecutionId: executionId });
    await ended(pipeline, executionId, 'Succeeded');
    expect([runs(pipeline, 'Counter'), runs(pipeline, 'Flaky')]).toEqual([2, 2]);
    expect(readFileSync(file(pipeline, 'deployed-with'), 'utf8').trim()).toBe('2');
    const counter = (await actionExecutions(pipeline, executionId)).filter((action) => action.actionName === 'Counter');
    expect(counter.map((action) => action.status)).toEqual(['Succeeded', 'Succeeded']);
    expect(new Set(counter.map((action) => action.actionExecutionId)).size).toBe(2);
  });

  it('refuses, with CodePipeline error codes, a bad mode, a stage that did not fail, an execution that did not fail, and a stage that a later execution entered', async () => {
    const pipeline = 'retry-refused';
    writeFileSync(file(pipeline, 'fail'), '');
    const first = await start(pipeline);
    await ended(pipeline, first, 'Failed');
    const retry = (stageName: string, pipelineExecutionId: string, retryMode = 'FAILED_ACTIONS') =>
      refusal(caller.send('RetryStageExecution', { pipelineName: pipeline, stageName, pipelineExecutionId, retryMode }));

    expect(await retry('Build', first, 'SOME_ACTIONS')).toMatchObject({ code: 'ValidationException', status: 400 });
    expect(await retry('Source', first)).toMatchObject({ code: 'StageNotRetryableException', message: expect.stringContaining('has not failed') });
    expect(await retry('Nowhere', first)).toMatchObject({ code: 'StageNotFoundException' });

    const second = await start(pipeline);
    await ended(pipeline, second, 'Failed');
    expect(await retry('Build', first)).toMatchObject({ code: 'NotLatestPipelineExecutionException', message: expect.stringContaining(second) });
    const cli = sluice(data(['retry-stage-execution', pipeline, 'Build', '--execution-id', first, '--retry-mode', 'ALL_ACTIONS']));
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toContain(second);

    rmSync(file(pipeline, 'fail'));
    await caller.send('RetryStageExecution', { pipelineName: pipeline, stageName: 'Build', pipelineExecutionId: second, retryMode: 'FAILED_ACTIONS' });
    await ended(pipeline, second, 'Succeeded');
    expect(await retry('Build', second)).toMatchObject({ code: 'StageNotRetryableException', message: expect.stringContaining('Succeeded') });
    expect(await statusOf(pipeline, first)).toBe('Failed');
  });

  it('a stage with onFailure RETRY retries by itself once, in the same execution, in its retry mode', async () => {
    const pipeline = 'retry-auto';
    const executionId = await start(pipeline);
    await ended(pipeline, executionId, 'Succeeded');
    expect([runs(pipeline, 'Counter'), runs(pipeline, 'Flaky')]).toEqual([1, 2]);
    expect(await stageState(pipeline, 'Build')).toMatchObject({
      retryStageMetadata: { autoStageRetryAttempt: 1, manualStageRetryAttempt: 0, latestRetryTrigger: 'AutomatedStageRetry' },
      latestExecution: { pipelineExecutionId: executionId, status: 'Succeeded' },
    });
    const events = eventsOf(executionId);
    expect(events.filter((event) => event.detail.stage === 'Build' && !event.detail.action).map((event) => event.detail.state)).toEqual([
      'STARTED',
      'FAILED',
      'RESUMED',
      'STARTED',
      'SUCCEEDED',
    ]);
    expect(events.at(-1)!.detail).toMatchObject({ state: 'SUCCEEDED', 'pipeline-execution-attempt': 2 });
    // Never Failed on the way: the automatic retry goes on in the execution.
    expect(events.some((event) => !event.detail.stage && event.detail.state === 'FAILED')).toBe(false);
  });

  it('a stage that fails again after its automatic retry fails the execution, which may then be retried by hand', async () => {
    const pipeline = 'retry-auto-fails';
    writeFileSync(file(pipeline, 'fail'), '');
    const executionId = await start(pipeline);
    await ended(pipeline, executionId, 'Failed');
    // ALL_ACTIONS: both ran twice, once and once again.
    expect([runs(pipeline, 'Counter'), runs(pipeline, 'Flaky')]).toEqual([2, 2]);
    rmSync(file(pipeline, 'fail'));
    await caller.send('RetryStageExecution', { pipelineName: pipeline, stageName: 'Build', pipelineExecutionId: executionId, retryMode: 'FAILED_ACTIONS' });
    await ended(pipeline, executionId, 'Succeeded');
    expect([runs(pipeline, 'Counter'), runs(pipeline, 'Flaky')]).toEqual([2, 3]);
    expect(await stageState(pipeline, 'Build')).toMatchObject({
      retryStageMetadata: { autoStageRetryAttempt: 1, manualStageRetryAttempt: 1, latestRetryTrigger: 'ManualStageRetry' },
    });
    expect(eventsOf(executionId).at(-1)!.detail['pipeline-execution-attempt']).toBe(3);
  });
});
