import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import type { PipelineRef } from '../../lib/core/task-payloads';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { runStageStep } from '../../lib/execution/stage-steps';
import { startExecution } from '../../lib/execution/start-execution';
import { PipelineOperations } from '../../lib/operations/pipeline-operations';
import type { LocalTaskCallbacks } from '../../lib/adapters/local/local-task-callbacks';
import { stackPerSuite } from '../support/embedded-stack';
import { testApprovalDependencies, testExecutionDependencies } from '../support/execution-deps';

const step = { name: 'Step', actionTypeId: { category: 'Build', owner: 'Custom', provider: 'Never', version: '1' } } as const;

/** A QUEUED pipeline whose stages the tests walk through by their steps alone: no action runs. */
const queued = (name: string): PipelineDeclaration => ({
  name,
  pipelineType: 'V2',
  executionMode: 'QUEUED',
  stages: [
    { name: 'Build', actions: [step] },
    { name: 'Deploy', actions: [step] },
  ],
});

describe('stage transitions, disabled and enabled through the operations', () => {
  const suite = stackPerSuite();
  let deps: ExecutionDependencies & { callbacks: LocalTaskCallbacks };
  let operations: PipelineOperations;

  beforeAll(async () => {
    const workspaceRoot = path.join(suite.scratch, 'workspaces');
    await mkdir(workspaceRoot);
    ({ deps } = await testExecutionDependencies(suite.test, { providers: [], workspaceRoot }));
    operations = new PipelineOperations({ ...deps, ...testApprovalDependencies(suite.test) }, { caller: { who: 'alice', from: 'cli' } });
  });

  async function register(declaration: PipelineDeclaration): Promise<void> {
    await deps.store.putPipelineVersion({ name: declaration.name, version: 1, declaration, created: deps.clock().toISOString() });
  }

  const start = async (declaration: PipelineDeclaration) =>
    (
      await startExecution(deps, {
        pipeline: declaration,
        version: 1,
        trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' },
        variables: {},
      })
    ).pipeline;

  /** The enter step of `stage` in QUEUED mode, as its Task runs it; resolves once it has joined the line, with the admission it waits for. */
  async function arrive(pipeline: PipelineRef, stage: string, previousStage?: string): Promise<{ admitted: Promise<unknown> }> {
    const taskToken = randomUUID();
    const admitted = deps.callbacks.wait(taskToken);
    await runStageStep(deps, { step: 'enterStage', pipeline, stage, mode: 'QUEUED', taskToken, ...(previousStage ? { previousStage } : {}) });
    return { admitted };
  }

  /** An execution through its Build stage: admitted, and out again. */
  async function throughBuild(pipeline: PipelineRef): Promise<void> {
    await (
      await arrive(pipeline, 'Build')
    ).admitted;
    await runStageStep(deps, { step: 'exitStage', pipeline, stage: 'Build' });
  }

  const stageStatus = async (pipeline: PipelineRef, stage: string) =>
    (await deps.store.listStages(pipeline.executionId)).find((entry) => entry.stageName === stage)?.status;

  it('holds QUEUED executions behind a disabled Outbound transition, and once it is enabled admits them in arrival order as the next stage frees', async () => {
    const declaration = queued('queued-outbound');
    await register(declaration);
    const name = declaration.name;
    await operations.disableStageTransition({ pipelineName: name, stageName: 'Build', transitionType: 'Outbound', reason: 'Freeze until Monday' });

    const first = await start(declaration);
    const second = await start(declaration);
    await throughBuild(first);
    await throughBuild(second);
    const firstIn = await arrive(first, 'Deploy', 'Build');
    const secondIn = await arrive(second, 'Deploy', 'Build');

    // Both finished Build, and wait in front of Deploy without having entered it.
    expect([await stageStatus(first, 'Build'), await stageStatus(second, 'Build')]).toEqual(['Succeeded', 'Succeeded']);
    expect([await stageStatus(first, 'Deploy'), await stageStatus(second, 'Deploy')]).toEqual([undefined, undefined]);
    const line = await deps.locks.read(name, 'Deploy');
    expect(line.holder).toBeUndefined();
    expect(line.waiters.map((waiter) => waiter.executionId)).toEqual([first.executionId, second.executionId]);
    const deploy = (await operations.getPipelineState(name)).stageStates[1]!;
    expect(deploy).toMatchObject({
      inboundTransitionState: { enabled: false, disabledReason: 'Freeze until Monday', lastChangedBy: 'alice', lastChangedAt: expect.any(String) },
      inboundExecution: { pipelineExecutionId: second.executionId, status: 'InProgress', type: 'STANDARD' },
      inboundExecutions: [
        { pipelineExecutionId: first.executionId, status: 'InProgress', type: 'STANDARD' },
        { pipelineExecutionId: second.executionId, status: 'InProgress', type: 'STANDARD' },
      ],
    });

    await operations.enableStageTransition({ pipelineName: name, stageName: 'Build', transitionType: 'Outbound' });

    // The oldest enters; the other waits for the stage to be free, as QUEUED has it.
    await firstIn.admitted;
    expect(await stageStatus(first, 'Deploy')).toBe('InProgress');
    expect(await stageStatus(second, 'Deploy')).toBeUndefined();
    expect(await deps.locks.read(name, 'Deploy')).toMatchObject({ holder: first.executionId, waiters: [{ executionId: second.executionId }] });
    expect((await operations.getPipelineState(name)).stageStates[1]).toMatchObject({
      inboundTransitionState: { enabled: true },
      inboundExecutions: [{ pipelineExecutionId: second.executionId }],
    });

    await runStageStep(deps, { step: 'exitStage', pipeline: first, stage: 'Deploy', previousStage: 'Build', final: true });
    await secondIn.admitted;
    expect(await deps.store.getExecution(first.executionId)).toMatchObject({ status: 'Succeeded' });
    expect(await stageStatus(second, 'Deploy')).toBe('InProgress');
    expect(await deps.locks.read(name, 'Deploy')).toMatchObject({ holder: second.executionId, waiters: [] });

    const { items } = await operations.listAuditRecords({ pipelineName: name });
    expect(items.map(({ operation, who, stageName, parameters, reason }) => ({ operation, who, stageName, parameters, reason }))).toEqual([
      { operation: 'EnableStageTransition', who: 'alice', stageName: 'Build', parameters: { transitionType: 'Outbound' }, reason: undefined },
      { operation: 'DisableStageTransition', who: 'alice', stageName: 'Build', parameters: { transitionType: 'Outbound' }, reason: 'Freeze until Monday' },
    ]);
  });

  it("shows the stage's own Inbound reason where the previous stage's Outbound is disabled too, and admits nobody until both are enabled", async () => {
    const declaration = queued('queued-both');
    await register(declaration);
    const name = declaration.name;
    const transition = (stageName: string, transitionType: string) => ({ pipelineName: name, stageName, transitionType });
    await operations.disableStageTransition({ ...transition('Build', 'Outbound'), reason: 'Release train leaves at noon' });
    await operations.disableStageTransition({ ...transition('Deploy', 'Inbound'), reason: 'Deploy target under maintenance' });
    const execution = await start(declaration);
    await throughBuild(execution);
    const entry = await arrive(execution, 'Deploy', 'Build');

    const inbound = async () => (await operations.getPipelineState(name)).stageStates[1]!.inboundTransitionState;
    expect(await inbound()).toMatchObject({ enabled: false, disabledReason: 'Deploy target under maintenance' });
    await operations.enableStageTransition(transition('Deploy', 'Inbound'));
    expect(await inbound()).toMatchObject({ enabled: false, disabledReason: 'Release train leaves at noon' });
    expect(await stageStatus(execution, 'Deploy')).toBeUndefined();
    expect((await deps.locks.read(name, 'Deploy')).waiters.map((waiter) => waiter.executionId)).toEqual([execution.executionId]);

    await operations.enableStageTransition(transition('Build', 'Outbound'));
    await entry.admitted;
    expect(await inbound()).toEqual({ enabled: true });
    expect(await stageStatus(execution, 'Deploy')).toBe('InProgress');
  });

  it('lets the Outbound transition of the last stage be disabled and enabled, holding nothing', async () => {
    const declaration = queued('queued-last');
    await register(declaration);
    const last = { pipelineName: declaration.name, stageName: 'Deploy', transitionType: 'Outbound' };
    await operations.disableStageTransition({ ...last, reason: 'Nothing comes after' });
    const execution = await start(declaration);
    await throughBuild(execution);
    await (
      await arrive(execution, 'Deploy', 'Build')
    ).admitted;
    await runStageStep(deps, { step: 'exitStage', pipeline: execution, stage: 'Deploy', previousStage: 'Build', final: true });

    expect(await deps.store.getExecution(execution.executionId)).toMatchObject({ status: 'Succeeded' });
    expect((await operations.getPipelineState(declaration.name)).stageStates.map((stage) => stage.inboundTransitionState)).toEqual([
      { enabled: true },
      { enabled: true },
    ]);
    await operations.enableStageTransition(last);
    expect((await deps.locks.read(declaration.name, 'Deploy')).transitions).toEqual({});
  });

  it('forgets the transitions and lines of a deleted pipeline: one made again under its name starts with every transition enabled and nobody in line', async () => {
    const declaration = queued('queued-deleted');
    await register(declaration);
    await operations.disableStageTransition({ pipelineName: declaration.name, stageName: 'Deploy', transitionType: 'Inbound', reason: 'Frozen' });
    const execution = await start(declaration);
    await throughBuild(execution);
    await arrive(execution, 'Deploy', 'Build');
    expect((await deps.locks.read(declaration.name, 'Deploy')).waiters).toHaveLength(1);

    await operations.deletePipeline(declaration.name);
    await register(declaration);

    for (const stage of ['Build', 'Deploy']) expect(await deps.locks.read(declaration.name, stage)).toEqual({ transitions: {}, waiters: [] });
    expect((await operations.getPipelineState(declaration.name)).stageStates.map((stage) => stage.inboundTransitionState)).toEqual([
      { enabled: true },
      { enabled: true },
    ]);
  });

  it.each([
    [
      'an unknown stage',
      { stageName: 'Ship', transitionType: 'Inbound', reason: 'x' },
      'StageNotFoundException',
      'has no stage Ship; its stages are Build, Deploy.',
    ],
    ['a type neither Inbound nor Outbound', { stageName: 'Build', transitionType: 'Sideways', reason: 'x' }, 'ValidationException', 'not "Sideways".'],
    ['an empty reason', { stageName: 'Build', transitionType: 'Inbound', reason: '' }, 'ValidationException', 'reason must be 1 to 300'],
    ['a reason with a comma', { stageName: 'Build', transitionType: 'Inbound', reason: 'no, not now' }, 'ValidationException', 'reason must be 1 to 300'],
    [
      'a reason of 301 characters',
      { stageName: 'Build', transitionType: 'Inbound', reason: 'x'.repeat(301) },
      'ValidationException',
      'reason must be 1 to 300',
    ],
  ])('refuses to disable a transition with %s, changing nothing', async (_, request, code, message) => {
    const declaration = queued(`refused-${randomUUID().slice(0, 8)}`);
    await register(declaration);
    await expect(operations.disableStageTransition({ pipelineName: declaration.name, ...request })).rejects.toMatchObject({
      codePipelineCode: code,
      message: expect.stringContaining(message),
    });
    expect((await deps.locks.read(declaration.name, 'Build')).transitions).toEqual({});
    expect((await operations.listAuditRecords({ pipelineName: declaration.name })).items).toEqual([]);
  });

  it('refuses a transition of a pipeline that does not exist with PipelineNotFoundException', async () => {
    await expect(operations.enableStageTransition({ pipelineName: 'missing', stageName: 'Build', transitionType: 'Inbound' })).rejects.toMatchObject({
      codePipelineCode: 'PipelineNotFoundException',
    });
  });
});
