import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPipeline, killStartedSluice, sluice, startSluice } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { commandsOnSource, gitSourceStage } from '../support/declarations';

jest.setTimeout(120_000);

afterAll(() => killStartedSluice());

describe('sluice stop-pipeline-execution under sluice serve', () => {
  it('stops a running execution with its reason, abandoning the running action, and refuses one that has ended', async () => {
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
    const stopped = sluice(['stop-pipeline-execution', 'sleepy', executionId, '--reason', 'not needed any more', '--data-dir', dataDir]);
    expect(stopped).toMatchObject({ code: 0, stdout: `Stopped ${executionId}\n` });

    const execution = JSON.parse(sluice(['executions', 'sleepy', '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries[0];
    expect(execution).toMatchObject({ pipelineExecutionId: executionId, status: 'Stopped', statusSummary: 'not needed any more' });
    expect(sleep()?.status).toBe('Abandoned');
    const again = sluice(['stop-pipeline-execution', 'sleepy', executionId, '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('only an InProgress execution can be stopped');
    expect(await serve.interrupt()).toBe(0);
  });
});
