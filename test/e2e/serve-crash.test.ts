import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { openLocalInstallation } from '../../lib/compose/local';
import { codePipelineCaller, type CodePipelineCaller } from '../support/codepipeline-client';
import { createPipeline, killStartedSluice, printedCredentials, startSluice, type RunningCli } from '../support/cli';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';
import { seededRandom } from '../support/seeded-random';

// 50 restarts of sluice serve; on a loaded 2-core machine each takes seconds.
jest.setTimeout(20 * 60_000);

afterAll(killStartedSluice);

// Each round restarts serve, a few seconds on a 2-core machine: 15 rounds here, beside the 50
// crashes of crash.test.ts; SLUICE_SERVE_CRASH_ROUNDS=50 runs the longer series.
const ROUNDS = Number(process.env.SLUICE_SERVE_CRASH_ROUNDS ?? 15);
/** How often the stage lines are read from the data dir itself, with serve stopped. */
const LINE_CHECK_EVERY = 10;
const READY = /serving .* at (http:\/\/\S+)/;

interface Summary {
  pipelineExecutionId: string;
  status: string;
}

describe('kill -9 of sluice serve at random points, again and again', () => {
  it(`reopens the data dir, leaves nothing InProgress but what it resumed, and no stage line held by an ended execution, after ${ROUNDS} crashes`, async () => {
    const seed = Number(process.env.SLUICE_CRASH_SEED ?? Date.now() % 2 ** 31);
    // Printed so that a failure can be replayed with SLUICE_CRASH_SEED.
    console.log(`serve crash test seed: ${seed}`);
    const random = seededRandom(seed);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-serve-crash-'));
    const repo = gitRepository({ 'a.txt': 'a' });
    const gated: PipelineDeclaration = {
      name: 'crash-queued',
      pipelineType: 'V2',
      executionMode: 'QUEUED',
      stages: [
        gitSourceStage(repo.dir),
        {
          name: 'Build',
          actions: [{ ...commandsOnSource('Make', ['sleep 0.3', 'echo built > out.txt']), outputArtifacts: [{ name: 'Out', files: ['out.txt'] }] }],
        },
        { name: 'Gate', actions: [{ name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
        { name: 'Ship', actions: [commandsOnSource('Check', ['test "$(cat out.txt)" = built'], 'Out')] },
      ],
    };
    const superseded: PipelineDeclaration = {
      name: 'crash-superseded',
      stages: [
        gitSourceStage(repo.dir),
        { name: 'Build', actions: [commandsOnSource('Make', ['sleep 0.5'])] },
        { name: 'Ship', actions: [commandsOnSource('Deploy', ['sleep 0.2'])] },
      ],
    };
    const pipelines = [gated, superseded];
    for (const pipeline of pipelines) createPipeline(dataDir, pipeline);
    const credentials = printedCredentials(dataDir);

    let serve: RunningCli;
    let caller: CodePipelineCaller;
    const startServe = async () => {
      serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
      // The data dir opens every time: serve says where it serves.
      const endpoint = (await serve.waitFor(READY, 120_000))[1]!;
      caller = codePipelineCaller({ endpoint, credentials, region: 'us-east-1' });
    };
    /** Ctrl-C: serve closes cleanly, with exit code 0; otherwise what it printed last says why. */
    const stopServe = async () => {
      const code = await serve.interrupt();
      expect({ code, signal: serve.child.signalCode, output: code === 0 ? '' : serve.output().slice(-3000) }).toEqual({ code: 0, signal: null, output: '' });
    };
    const executions = async (name: string) =>
      ((await caller.send('ListPipelineExecutions', { pipelineName: name, maxResults: 100 })).pipelineExecutionSummaries as Summary[]) ?? [];
    const running = async () => (await Promise.all(pipelines.map(async ({ name }) => (await executions(name)).map((summary) => ({ name, summary }))))).flat();

    /** The lines in front of every stage, read from the data dir with serve stopped: none names an execution that has ended. */
    const checkLines = async () => {
      await stopServe();
      const installation = await openLocalInstallation({ dataDir, command: 'serve crash test', write: () => undefined });
      try {
        for (const pipeline of pipelines) {
          for (const stage of pipeline.stages) {
            const line = await installation.deps.locks.read(pipeline.name, stage.name);
            const named = [...(line.holder ? [line.holder] : []), ...line.waiters.map((waiter) => waiter.executionId)];
            for (const id of named)
              expect({ pipeline: pipeline.name, stage: stage.name, id, status: (await installation.deps.store.getExecution(id))?.status }).toMatchObject({
                status: 'InProgress',
              });
          }
        }
      } finally {
        await installation.close();
      }
      await startServe();
    };

    await startServe();
    const resumedInAll = { approvals: 0, lines: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      const count = 1 + Math.floor(random() * 3);
      const started: { name: string; id: string }[] = [];
      for (let index = 0; index < count; index += 1) {
        const { name } = pipelines[Math.floor(random() * pipelines.length)]!;
        const { pipelineExecutionId } = await caller!.send('StartPipelineExecution', { name });
        started.push({ name, id: pipelineExecutionId as string });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 1500)));
      serve!.child.kill('SIGKILL');
      await serve!.exit;

      await startServe();
      const resumed = new Set([...serve!.output().matchAll(/Resumed execution (\S+)/g)].map((match) => match[1]!));
      resumedInAll.approvals += serve!.output().match(/Resumed execution .*: waiting for approval/g)?.length ?? 0;
      resumedInAll.lines += serve!.output().match(/Resumed execution .*: waiting to enter/g)?.length ?? 0;
      const context = `round ${round} (seed ${seed}), started ${JSON.stringify(started)}, resumed ${JSON.stringify([...resumed])}`;
      // Nothing is InProgress or Stopping but what this serve resumed: the execution, its stages, its actions.
      for (const { name, summary } of await running()) {
        if (summary.status === 'Stopping' || (summary.status === 'InProgress' && !resumed.has(summary.pipelineExecutionId))) {
          throw new Error(`${name} execution ${summary.pipelineExecutionId} is ${summary.status} after the restart; ${context}\n${serve!.output()}`);
        }
      }
      for (const { name, id } of started) {
        const actions = (await caller!.send('ListActionExecutions', { pipelineName: name, filter: { pipelineExecutionId: id } })).actionExecutionDetails as {
          actionName: string;
          status: string;
        }[];
        for (const action of actions)
          if (action.status === 'InProgress' && !resumed.has(id)) throw new Error(`${name} ${id} ${action.actionName} is InProgress; ${context}`);
      }
      for (const { name } of pipelines) {
        const state = (await caller!.send('GetPipelineState', { name })).stageStates as {
          stageName: string;
          latestExecution?: { pipelineExecutionId: string; status: string };
        }[];
        for (const stage of state) {
          const latest = stage.latestExecution;
          if (latest?.status === 'InProgress' && !resumed.has(latest.pipelineExecutionId))
            throw new Error(`${name} ${stage.stageName} is InProgress for ${latest.pipelineExecutionId}; ${context}`);
        }
      }

      // Stop what runs, resumed or not, and go on from a quiet data dir.
      for (const { name, summary } of await running()) {
        if (summary.status !== 'InProgress') continue;
        await caller!
          .send('StopPipelineExecution', { pipelineName: name, pipelineExecutionId: summary.pipelineExecutionId, abandon: true, reason: 'crash test' })
          .catch((error: Error) => {
            // Ended by itself between the listing and the stop.
            if (error.name !== 'PipelineExecutionNotStoppableException') throw error;
          });
      }
      expect((await running()).filter(({ summary }) => summary.status === 'InProgress' || summary.status === 'Stopping')).toEqual([]);
      if ((round + 1) % LINE_CHECK_EVERY === 0 || round === ROUNDS - 1) await checkLines();
    }
    console.log(
      `serve crash test: ${ROUNDS} crashes, ${resumedInAll.approvals} executions resumed at their approval and ${resumedInAll.lines} in front of a stage after them`,
    );
    await stopServe();
  });
});
