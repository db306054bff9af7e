import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { INTERRUPTED } from '../../lib/execution/interrupted-executions';
import { codePipelineCaller, type CodePipelineCaller } from '../support/codepipeline-client';
import { createPipeline, killStartedSluice, printedCredentials, sluice, startSluice, succeeded, until, type RunningCli } from '../support/cli';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(240_000);

afterAll(killStartedSluice);

const READY = /serving .* at (http:\/\/\S+)/;

interface StageView {
  stageName: string;
  latestExecution?: { pipelineExecutionId: string; status: string };
}

/**
 * Restart recovery (local) meets RetryStageExecution: an execution that a kill -9 of sluice serve
 * interrupted ends Failed "interrupted", with a failed stage, and is retried to its end. One was
 * in an action when serve died; the other stood between stages, in front of a disabled transition,
 * when the process that had resumed it died too, and a CLI command took the data dir over.
 */
describe('an execution interrupted by kill -9 of sluice serve is retried with sluice retry-stage-execution', () => {
  it('retries the stage it was in, and the stage it was entering between stages, to Succeeded', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-interrupted-'));
    const marks = mkdtempSync(path.join(os.tmpdir(), 'sluice-interrupted-marks-'));
    const mark = (name: string) => path.join(marks, name);
    const repository = gitRepository({ 'app.txt': 'v1' }).dir;
    const deploy = (pipeline: string) => ({ name: 'Deploy', actions: [commandsOnSource('Ship', [`echo shipped > ${mark(`${pipeline}-shipped`)}`])] });
    // Build's action runs until the hold mark is gone, and says when it has started.
    const inAction: PipelineDeclaration = {
      name: 'interrupted-in-action',
      stages: [
        gitSourceStage(repository),
        { name: 'Build', actions: [commandsOnSource('Hold', [`touch ${mark('started')}`, `while [ -f ${mark('hold')} ]; do sleep 0.2; done`])] },
        deploy('interrupted-in-action'),
      ],
    };
    const betweenStages: PipelineDeclaration = {
      name: 'interrupted-between-stages',
      stages: [gitSourceStage(repository), { name: 'Build', actions: [commandsOnSource('Make', ['true'])] }, deploy('interrupted-between-stages')],
    };
    // Registered before serve runs, so that no first execution starts.
    for (const pipeline of [inAction, betweenStages]) createPipeline(dataDir, pipeline);
    const data = (args: string[]) => [...args, '--data-dir', dataDir];
    succeeded(sluice(data(['disable-stage-transition', betweenStages.name, 'Deploy', '--type', 'Inbound', '--reason', 'Change freeze'])));
    writeFileSync(mark('hold'), '');

    let serve!: RunningCli;
    let caller!: CodePipelineCaller;
    const startServe = async () => {
      serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
      const endpoint = (await serve.waitFor(READY, 120_000))[1]!;
      caller = codePipelineCaller({ endpoint, credentials: printedCredentials(dataDir), region: 'us-east-1' });
    };
    const killServe = async () => {
      serve.child.kill('SIGKILL');
      await serve.exit;
    };
    const execution = async (pipelineName: string, pipelineExecutionId: string) =>
      (await caller.send('GetPipelineExecution', { pipelineName, pipelineExecutionId })).pipelineExecution as { status: string; statusSummary?: string };
    const stage = async (name: string, stageName: string) =>
      ((await caller.send('GetPipelineState', { name })).stageStates as StageView[]).find((entry) => entry.stageName === stageName)!;
    const ended = (pipelineName: string, id: string, status: string) =>
      until(async () => ((await execution(pipelineName, id)).status === status ? true : undefined), `${id} to be ${status}`, serve, 120_000);

    await startServe();
    const held = (await caller.send('StartPipelineExecution', { name: inAction.name })).pipelineExecutionId as string;
    const waiting = (await caller.send('StartPipelineExecution', { name: betweenStages.name })).pipelineExecutionId as string;
    await until(() => (existsSync(mark('started')) ? true : undefined), 'Hold to start', serve, 120_000);
    await until(
      async () => ((await stage(betweenStages.name, 'Build')).latestExecution?.status === 'Succeeded' ? true : undefined),
      'Build to succeed',
      serve,
      120_000,
    );

    // Killed while Hold runs: the restarted serve ends that execution, and resumes the one in front of Deploy.
    await killServe();
    await startServe();
    expect(await execution(inAction.name, held)).toMatchObject({ status: 'Failed', statusSummary: INTERRUPTED });
    expect(await stage(inAction.name, 'Build')).toMatchObject({ latestExecution: { pipelineExecutionId: held, status: 'Failed' } });
    expect(serve.output()).toContain(`Resumed execution ${waiting} of ${betweenStages.name}: waiting to enter Deploy`);

    // Killed again, and a CLI command opens the data dir, resuming nothing: the execution between
    // stages ends too, with Deploy, the stage it was entering, failed.
    await killServe();
    const status = succeeded(sluice(data(['status', betweenStages.name])));
    expect(status.stdout).toContain('Deploy');
    await startServe();
    expect(await execution(betweenStages.name, waiting)).toMatchObject({ status: 'Failed', statusSummary: INTERRUPTED });
    expect(await stage(betweenStages.name, 'Deploy')).toMatchObject({ latestExecution: { pipelineExecutionId: waiting, status: 'Failed' } });

    rmSync(mark('hold'));
    const retried = succeeded(sluice(data(['retry-stage-execution', inAction.name, 'Build', '--execution-id', held, '--retry-mode', 'FAILED_ACTIONS'])));
    expect(retried.stdout).toBe(`Retrying ${inAction.name}/Build (FAILED_ACTIONS) in execution ${held}\n`);
    await ended(inAction.name, held, 'Succeeded');
    expect(readFileSync(mark(`${inAction.name}-shipped`), 'utf8')).toBe('shipped\n');

    succeeded(sluice(data(['enable-stage-transition', betweenStages.name, 'Deploy', '--type', 'Inbound'])));
    succeeded(sluice(data(['retry-stage-execution', betweenStages.name, 'Deploy', '--execution-id', waiting, '--retry-mode', 'ALL_ACTIONS'])));
    await ended(betweenStages.name, waiting, 'Succeeded');
    expect(readFileSync(mark(`${betweenStages.name}-shipped`), 'utf8')).toBe('shipped\n');
    expect(await stage(betweenStages.name, 'Deploy')).toMatchObject({ latestExecution: { pipelineExecutionId: waiting, status: 'Succeeded' } });

    const code = await serve.interrupt();
    expect(code).toBe(0);
  });
});
