import { execFileSync } from 'node:child_process';
import type { AuditRecord } from '../../lib/core/audit';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPipeline, killStartedSluice, sluice, startSluice, writeDeclaration } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { commandsOnSource, gitSourceStage } from '../support/declarations';

jest.setTimeout(120_000);

afterAll(() => killStartedSluice());

describe('sluice stop-pipeline-execution under sluice serve', () => {
  it('stops a running execution at once with --abandon, with its reason, abandoning the running action, and refuses one that has ended', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-stop-'));
    const repo = gitRepository({ 'app.txt': 'v1' });
    createPipeline(dataDir, {
      name: 'sleepy',
      stages: [gitSourceStage(repo.dir), { name: 'Wait', actions: [commandsOnSource('Sleep', ['sleep 60'])] }],
    });
    const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
    await serve.waitFor(/serving .* at http/);
    const executionId = sluice(['start-pipeline-execution', 'sleepy', '--data-dir', dataDir]).stdout.trim();
    const sleep = () => JSON.parse(sluice(['status', 'sleepy', '--data-dir', dataDir, '--json']).stdout).stageStates[1]?.actionStates[0]?.latestExecution;
    for (let attempt = 0; sleep()?.status !== 'InProgress'; attempt += 1) {
      if (attempt > 100) throw new Error(`The build never ran. sluice serve printed:\n${serve.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const wrongPipeline = sluice(['stop-pipeline-execution', 'other', executionId, '--data-dir', dataDir]);
    expect(wrongPipeline.code).toBe(2);
    const stopped = sluice(['stop-pipeline-execution', 'sleepy', executionId, '--abandon', '--reason', 'not needed any more', '--data-dir', dataDir]);
    expect(stopped).toMatchObject({ code: 0, stdout: `Stopped ${executionId}\n` });

    const execution = JSON.parse(sluice(['executions', 'sleepy', '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries[0];
    expect(execution).toMatchObject({ pipelineExecutionId: executionId, status: 'Stopped', statusSummary: 'not needed any more' });
    expect(sleep()?.status).toBe('Abandoned');
    const again = sluice(['stop-pipeline-execution', 'sleepy', executionId, '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('only an InProgress execution can be stopped');
    expect(await serve.interrupt()).toBe(0);
  });

  it('starts a pipeline on create-pipeline, and without --abandon stops it once its running action has finished', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-stop-wait-'));
    const marker = path.join(dataDir, 'go-on');
    const repo = gitRepository({ 'app.txt': 'v1' });
    const declaration = {
      name: 'patient',
      stages: [
        gitSourceStage(repo.dir),
        { name: 'Wait', actions: [commandsOnSource('Hold', [`while [ ! -f ${marker} ]; do sleep 0.1; done`])] },
        { name: 'After', actions: [commandsOnSource('Never', ['true'])] },
      ],
    };
    const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
    await serve.waitFor(/serving .* at http/);
    const file = path.join(dataDir, 'patient.json');
    writeFileSync(file, JSON.stringify(declaration));
    const created = sluice(['create-pipeline', file, '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    const executionId = /^Started execution (\S+) \(trigger CreatePipeline\)$/m.exec(created.stdout)?.[1];
    expect(executionId).toBeDefined();
    const hold = () => JSON.parse(sluice(['status', 'patient', '--data-dir', dataDir, '--json']).stdout).stageStates[1]?.actionStates[0]?.latestExecution;
    for (let attempt = 0; hold()?.status !== 'InProgress'; attempt += 1) {
      if (attempt > 100) throw new Error(`The action never ran. sluice serve printed:\n${serve.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const stopping = sluice(['stop-pipeline-execution', 'patient', executionId!, '--reason', 'after this build', '--data-dir', dataDir]);
    expect(stopping).toMatchObject({ code: 0, stdout: `Stopping ${executionId}: it stops once its in-progress actions finish\n` });
    const again = sluice(['stop-pipeline-execution', 'patient', executionId!, '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is Stopping already');
    const execution = () => JSON.parse(sluice(['executions', 'patient', '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries[0];
    expect(execution()).toMatchObject({ pipelineExecutionId: executionId, status: 'Stopping', trigger: { triggerType: 'CreatePipeline' } });

    writeFileSync(marker, '');
    for (let attempt = 0; execution().status === 'Stopping'; attempt += 1) {
      if (attempt > 100) throw new Error(`The execution never stopped. sluice serve printed:\n${serve.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(execution()).toMatchObject({ status: 'Stopped', statusSummary: 'after this build' });
    expect(hold()?.status).toBe('Succeeded');
    const detail = JSON.parse(sluice(['status', 'patient', '--data-dir', dataDir, '--json']).stdout);
    expect(detail.stageStates[2]?.latestExecution?.pipelineExecutionId).not.toBe(executionId);
    expect(await serve.interrupt()).toBe(0);
  });
});

describe('sluice run on Ctrl-C', () => {
  /** The states of the events of `executionId` about the pipeline, or about `stage`, as `sluice events` shows them. */
  const eventStates = (dataDir: string, executionId: string, stage?: string) =>
    (
      JSON.parse(sluice(['events', executionId, '--data-dir', dataDir, '--json']).stdout).events as {
        'detail-type': string;
        detail: { stage?: string; state: string };
      }[]
    )
      .filter((event) => event['detail-type'] === (stage ? 'CodePipeline Stage Execution State Change' : 'CodePipeline Pipeline Execution State Change'))
      .filter((event) => event.detail.stage === stage)
      .map((event) => event.detail.state);

  /** `sluice run` of a pipeline whose Wait/Hold action runs `command`, with an After stage behind it; resolves once the command runs. */
  async function runUntilHolding(name: string, command: string) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-run-stop-'));
    const repo = gitRepository({ 'app.txt': 'v1' });
    const file = writeDeclaration(dataDir, {
      name,
      stages: [
        gitSourceStage(repo.dir),
        { name: 'Wait', actions: [commandsOnSource('Hold', [command])] },
        { name: 'After', actions: [commandsOnSource('Never', ['true'])] },
      ],
    });
    const run = startSluice(['run', file, '--data-dir', dataDir]);
    const [, executionId] = await run.waitFor(new RegExp(`${name}: execution (\\S+) started`));
    await run.waitFor(/Wait\/Hold: started/);
    await run.waitFor(/Running command /);
    const status = () => JSON.parse(sluice(['status', name, '--data-dir', dataDir, '--json']).stdout);
    const execution = () => JSON.parse(sluice(['executions', name, '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries[0];
    return { dataDir, run, executionId: executionId!, status, execution };
  }

  it('stops and waits on the first Ctrl-C: Stopping, with its STOPPING events, the running action finishes and no new stage starts, then Stopped', async () => {
    const marker = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-marker-')), 'go-on');
    const { dataDir, run, executionId, status, execution } = await runUntilHolding('patient-run', `while [ ! -f ${marker} ]; do sleep 0.1; done`);

    run.child.kill('SIGINT');
    await run.waitFor(/Stopping: the running actions finish first, and no new one starts; press Ctrl-C again to abandon them\./);
    await run.waitFor(/patient-run: stopping/);
    await run.waitFor(/ {2}Wait: stopping/);
    expect(execution()).toMatchObject({ pipelineExecutionId: executionId, status: 'Stopping' });
    expect(status().stageStates[1].latestExecution.status).toBe('Stopping');
    expect(status().stageStates[1].actionStates[0].latestExecution.status).toBe('InProgress');

    writeFileSync(marker, '');
    expect(await run.exit).toBe(1);
    expect(run.output()).toMatch(/Wait\/Hold: succeeded/);
    expect(run.output()).toContain('patient-run: stopped');
    expect(run.output()).not.toContain('After/Never: started');
    expect(execution()).toMatchObject({ pipelineExecutionId: executionId, status: 'Stopped' });
    const stages = status().stageStates;
    expect(stages[1].latestExecution.status).toBe('Stopped');
    expect(stages[1].actionStates[0].latestExecution.status).toBe('Succeeded');
    expect(stages[2].latestExecution?.pipelineExecutionId).not.toBe(executionId);
    expect(eventStates(dataDir, executionId)).toEqual(['STARTED', 'STOPPING', 'STOPPED']);
    expect(eventStates(dataDir, executionId, 'Wait')).toEqual(['STARTED', 'STOPPING', 'STOPPED']);
    expect(eventStates(dataDir, executionId, 'After')).toEqual([]);
    expect(auditedOperations(dataDir, 'patient-run')).toEqual([
      ['StopPipelineExecution', executionId, { abandon: false }],
      ['StartPipelineExecution', executionId, {}],
    ]);
  });

  it('abandons on a second Ctrl-C: the running action Abandoned, its process killed, and Stopped without waiting for it', async () => {
    // The action would wait for ever: only abandoning it ends the run.
    const marker = `sluice-abandon-${process.pid}-${Date.now()}`;
    const { dataDir, run, executionId, status, execution } = await runUntilHolding('abandoned-run', `sleep 600 # ${marker}`);

    run.child.kill('SIGINT');
    await run.waitFor(/press Ctrl-C again to abandon them/);
    expect(await run.interrupt()).toBe(1);
    expect(run.output()).toContain('Stopping now: abandoning the running actions...');
    expect(run.output()).toContain('abandoned-run: stopped');

    expect(execution()).toMatchObject({ pipelineExecutionId: executionId, status: 'Stopped' });
    expect(status().stageStates[1].latestExecution.status).toBe('Stopped');
    expect(status().stageStates[1].actionStates[0].latestExecution.status).toBe('Abandoned');
    expect(eventStates(dataDir, executionId)).toEqual(['STARTED', 'STOPPING', 'STOPPED']);
    expect(() => execFileSync('pgrep', ['-f', marker])).toThrow();
    expect(auditedOperations(dataDir, 'abandoned-run')).toEqual([
      ['StopPipelineExecution', executionId, { abandon: true }],
      ['StopPipelineExecution', executionId, { abandon: false }],
      ['StartPipelineExecution', executionId, {}],
    ]);
  });
});

/** What `sluice audit` lists of a pipeline, newest first: each operation, its execution and parameters. */
function auditedOperations(dataDir: string, pipeline: string): [string, string, unknown][] {
  const { auditRecords } = JSON.parse(sluice(['audit', pipeline, '--json', '--data-dir', dataDir]).stdout) as { auditRecords: AuditRecord[] };
  return auditRecords.filter((record) => record.pipelineExecutionId).map((record) => [record.operation, record.pipelineExecutionId!, record.parameters]);
}

describe('sluice create-pipeline without sluice serve', () => {
  it('registers the pipeline and says that no execution started, and how to start one', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-create-'));
    const file = path.join(dataDir, 'idle.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'idle',
        stages: [gitSourceStage(gitRepository({ 'a.txt': 'a' }).dir), { name: 'Build', actions: [commandsOnSource('Make', ['true'])] }],
      }),
    );
    const created = sluice(['create-pipeline', file, '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe(
      'idle: version 1\nNo execution started: nothing runs executions in the background on this data dir. Run sluice start-pipeline-execution idle, or start sluice serve, which starts one on create-pipeline as CodePipeline does.\n',
    );
    expect(JSON.parse(sluice(['executions', 'idle', '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries).toEqual([]);
  });
});
