import { LocalEngine, localExecutionArn, type LocalEngineDependencies, type TaskHandler, type TaskHandlers } from '../../../../lib/adapters/local/local-engine';
import { compilePipeline, type ExecutionInput } from '../../../../lib/core/compile';
import { runnerCommandsCatalog } from '../../../support/runner-commands';
import { STOPPED_BY_USER } from '../../../../lib/core/engine-run-end';
import type { PipelineDeclaration } from '../../../../lib/core/declaration';
import { ConflictError } from '../../../../lib/core/errors';

const commands = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;

const declaration: PipelineDeclaration = {
  name: 'webapp',
  version: 1,
  stages: [
    { name: 'Build', actions: [{ name: 'Compile', actionTypeId: commands, commands: ['make'] }] },
    { name: 'Gate', actions: [{ name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
  ],
};

const input = (executionId: string): ExecutionInput => ({ pipeline: { name: 'webapp', version: 1, executionId, variables: {} }, actions: {} });

/** A step that answers at once, or never, until the execution's signal aborts it. */
const answers: TaskHandler = async () => ({ Payload: {} });
const waitsForAbort: TaskHandler = (_parameters, _binding, signal) =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => setTimeout(() => reject(new Error('aborted')), 20), { once: true }));

function handlers(overrides: Partial<TaskHandlers>): TaskHandlers {
  return {
    enterStage: answers,
    exitStage: answers,
    failStage: answers,
    checkBeforeEntry: answers,
    checkOnSuccess: answers,
    checkOnFailure: answers,
    runAction: answers,
    requestApproval: answers,
    queueJob: answers,
    prepareBuild: answers,
    startBuild: answers,
    completeBuild: answers,
    failBuild: answers,
    ...overrides,
  };
}

function engineWith(table: TaskHandlers, dependencies: Partial<LocalEngineDependencies> = {}) {
  /** Each end the engine reports: the execution, the run that ended, how, and why. */
  const ends: [string, string, string, string][] = [];
  const settledSteps: string[] = [];
  const tracked = Object.fromEntries(
    Object.entries(table).map(([step, handler]) => [
      step,
      (async (...args) => {
        try {
          return await handler(...args);
        } finally {
          settledSteps.push(step);
        }
      }) as TaskHandler,
    ]),
  ) as TaskHandlers;
  const engine = new LocalEngine({
    handlers: () => tracked,
    endExecution: async (pipeline, runArn, status, reason) => {
      ends.push([pipeline.executionId, runArn, status, reason]);
    },
    compiledVersion: async () => compilePipeline(declaration, runnerCommandsCatalog),
    ...dependencies,
  });
  return { engine, ends, settledSteps };
}

describe('the local engine', () => {
  it('publishes a definition under an id of its content, the same for the same definition', async () => {
    const { engine } = engineWith(handlers({}));
    const first = await engine.deployPipeline('webapp', compilePipeline(declaration, runnerCommandsCatalog));
    const again = await engine.deployPipeline('webapp', compilePipeline(declaration, runnerCommandsCatalog));
    const changed = await engine.deployPipeline('webapp', compilePipeline({ ...declaration, version: 2 }, runnerCommandsCatalog));
    expect(first).toEqual(again);
    expect(first.stateMachineArn).toBe('local:webapp');
    expect(first.versionArn).toMatch(/^local:webapp:[0-9a-f]{16}$/);
    expect(changed.versionArn).not.toBe(first.versionArn);
  });

  it('runs an execution in the background, named after it, and describes it running, then succeeded', async () => {
    let release: () => void = () => undefined;
    const { engine, ends } = engineWith(
      handlers({ runAction: () => new Promise((resolve) => (release = () => resolve({ Payload: { artifacts: [], variables: {} } }))) }),
    );
    const { versionArn } = await engine.deployPipeline('webapp', compilePipeline(declaration, runnerCommandsCatalog));
    const { executionArn } = await engine.startExecution(versionArn, 'e1', input('e1'));
    expect(executionArn).toBe(localExecutionArn('e1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await engine.describeExecution(executionArn)).toEqual({ status: 'Running' });
    release();
    await engine.settled();
    expect(await engine.describeExecution(executionArn)).toEqual({ status: 'Succeeded' });
    expect(ends).toEqual([]);
  });

  it('stops an execution with the cause as its summary, once its running handlers have settled', async () => {
    const { engine, ends, settledSteps } = engineWith(handlers({ runAction: waitsForAbort }));
    const { versionArn } = await engine.deployPipeline('webapp', compilePipeline(declaration, runnerCommandsCatalog));
    const { executionArn } = await engine.startExecution(versionArn, 'e2', input('e2'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.stopExecution(executionArn, 'superseded');
    expect(ends).toEqual([['e2', executionArn, 'Stopped', 'superseded']]);
    expect(settledSteps).toContain('runAction');
    expect(await engine.describeExecution(executionArn)).toEqual({ status: 'Stopped' });
    await expect(engine.stopExecution(executionArn, 'again')).rejects.toBeInstanceOf(ConflictError);
  });

  it('records an execution whose state machine failed as Failed, with the cause it failed with', async () => {
    const { engine, ends } = engineWith(
      handlers({
        enterStage: async () => {
          throw new Error('the stage step broke');
        },
      }),
    );
    const { versionArn } = await engine.deployPipeline('webapp', compilePipeline(declaration, runnerCommandsCatalog));
    const { executionArn, ended } = await engine.runExecution(versionArn, 'e4', input('e4'), {});
    const end = await ended;
    expect(end).toMatchObject({ status: 'Failed', cause: expect.stringContaining('A stage failed') });
    expect(ends).toEqual([['e4', executionArn, 'Failed', (end as { cause: string }).cause]]);
    expect(await engine.describeExecution(executionArn)).toEqual(end);
  });

  it('leaves an execution that only waits for approvals InProgress, and stops any other, when this process lets go', async () => {
    const { engine, ends } = engineWith(handlers({ requestApproval: waitsForAbort }));
    const { versionArn } = await engine.deployPipeline('webapp', compilePipeline(declaration, runnerCommandsCatalog));
    const waiting = await engine.runExecution(versionArn, 'e5', input('e5'), {});
    const building = engineWith(handlers({ runAction: waitsForAbort }));
    const running = await building.engine.runExecution(
      (await building.engine.deployPipeline('webapp', compilePipeline(declaration, runnerCommandsCatalog))).versionArn,
      'e6',
      input('e6'),
      {},
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    engine.leaveWaiting();
    building.engine.leaveWaiting();
    expect(await waiting.ended).toEqual({ status: 'Stopped' });
    expect(await running.ended).toEqual({ status: 'Stopped' });
    expect(ends).toEqual([]);
    expect(building.ends).toEqual([['e6', running.executionArn, 'Stopped', STOPPED_BY_USER]]);
  });

  it('runs a version that another process published, compiled again from its record', async () => {
    const compiledVersion = jest.fn(async () => compilePipeline(declaration, runnerCommandsCatalog));
    const { engine } = engineWith(handlers({}), { compiledVersion });
    const { ended } = await engine.runExecution('local:webapp:published-elsewhere', 'e7', input('e7'), {});
    expect(await ended).toEqual({ status: 'Succeeded' });
    expect(compiledVersion).toHaveBeenCalledWith('webapp', 1);
  });
});
