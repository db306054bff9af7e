import { runnerCommandsSpec } from '../support/runner-commands';
import { randomBytes } from 'node:crypto';
import { gitSource } from '../../lib/actions/git-source';
import type { ExecutionMode, PipelineDeclaration } from '../../lib/core/declaration';
import { DETAIL_TYPES, type PipelineEvent } from '../../lib/core/events';
import type { ApprovalDependencies } from '../../lib/execution/approvals';
import { INTERRUPTED, resumeWaiting, takeOverInterrupted } from '../../lib/execution/interrupted-executions';
import { planStageRetry } from '../../lib/execution/retry-stage';
import { planStageResume, type StageResume } from '../../lib/execution/stage-resume';
import { startExecution } from '../../lib/execution/start-execution';
import { gitSourceStage } from '../support/declarations';
import { stackPerSuite } from '../support/embedded-stack';
import { testApprovalDependencies, testExecutionDependencies, type TestExecutionDependencies } from '../support/execution-deps';
import { stepEngine } from '../support/step-engine';
import type { ActionExecutionRecord } from '../../lib/ports/execution-store';

const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;
const srcLocation = { bucketName: 'sluice-artifacts', objectKey: 'p/Src/1.zip' };

describe('executions a killed sluice serve left in front of a stage', () => {
  const suite = stackPerSuite();
  let deps: ApprovalDependencies & TestExecutionDependencies['deps'];
  let published: PipelineEvent[] = [];
  let pipelines = 0;

  beforeAll(async () => {
    const build = { spec: runnerCommandsSpec, run: async () => ({ outputArtifacts: [], outputVariables: {} }) };
    const checkout = { spec: gitSource.spec, run: async () => ({ outputArtifacts: [srcLocation], outputVariables: {} }) };
    const { deps: base, events } = await testExecutionDependencies(suite.test, { providers: [checkout, build], workspaceRoot: suite.scratch });
    published = events;
    deps = { ...base, newId: () => randomBytes(8).toString('hex'), ...testApprovalDependencies(suite.test) };
  });

  async function registered(mode: ExecutionMode): Promise<PipelineDeclaration> {
    pipelines += 1;
    const pipeline: PipelineDeclaration = {
      name: `lined-${pipelines}`,
      pipelineType: 'V2',
      executionMode: mode,
      stages: [
        gitSourceStage('.'),
        { name: 'Build', actions: [{ name: 'Compile', actionTypeId: compute, commands: ['make'], inputArtifacts: [{ name: 'Src' }] }] },
      ],
    };
    await deps.store.putPipelineVersion({ name: pipeline.name, version: 1, declaration: pipeline, created: deps.clock().toISOString() });
    return pipeline;
  }

  const actionRecord = (executionId: string, stageName: string, actionName: string, status: 'Succeeded' | 'InProgress'): ActionExecutionRecord => {
    const at = deps.clock().toISOString();
    const actionTypeId = stageName === 'Source' ? ({ category: 'Source', owner: 'Custom', provider: 'Git', version: '1' } as const) : compute;
    return {
      pipelineExecutionId: executionId,
      stageName,
      actionName,
      actionExecutionId: `${executionId}-${actionName}`,
      status,
      startTime: at,
      lastUpdateTime: at,
      input: { actionTypeId, configuration: {}, resolvedConfiguration: {}, inputArtifacts: [] },
    };
  };

  /** An execution whose Source succeeded, as a process that died after it left it. */
  async function pastSource(pipeline: PipelineDeclaration): Promise<string> {
    const input = await startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } });
    const executionId = input.pipeline.executionId;
    const at = deps.clock().toISOString();
    await deps.store.putStage({ pipelineExecutionId: executionId, stageName: 'Source', status: 'Succeeded', startTime: at, lastUpdateTime: at });
    await deps.store.putAction({
      ...actionRecord(executionId, 'Source', 'Checkout', 'Succeeded'),
      output: { outputArtifacts: [{ name: 'Src', s3location: srcLocation }], outputVariables: {} },
    });
    return executionId;
  }

  /** A rollback of Build to an execution past Source, as a process that died before it entered Build left it. */
  async function rollbackOfBuild(): Promise<string> {
    const pipeline = await registered('QUEUED');
    const target = await pastSource(pipeline);
    const input = await startExecution(deps, {
      pipeline,
      version: 1,
      trigger: { triggerType: 'ManualRollback', triggerDetail: 'test' },
      rollback: { stage: 'Build', target, actions: { a0: { artifacts: [srcLocation], variables: {} } } },
    });
    return input.pipeline.executionId;
  }

  /** An execution that holds Build, its Compile in progress when its process died. */
  async function inBuild(pipeline: PipelineDeclaration): Promise<string> {
    const executionId = await pastSource(pipeline);
    const at = deps.clock().toISOString();
    expect(await deps.locks.acquire(pipeline.name, 'Build', executionId)).toBe(true);
    await deps.store.putStage({ pipelineExecutionId: executionId, stageName: 'Build', status: 'InProgress', startTime: at, lastUpdateTime: at });
    await deps.store.putAction(actionRecord(executionId, 'Build', 'Compile', 'InProgress'));
    return executionId;
  }

  /** An execution in Build's line, waiting on a token of the dead process. */
  async function inLine(pipeline: PipelineDeclaration): Promise<string> {
    const executionId = await pastSource(pipeline);
    await deps.locks.join(pipeline.name, 'Build', {
      executionId,
      taskToken: `dead-${executionId}`,
      mode: pipeline.executionMode!,
      arrivedAt: deps.clock().toISOString(),
    });
    return executionId;
  }

  // Each test's takeover also finds what the tests before it left InProgress: each looks at its own pipeline.
  const statusOf = async (id: string) => (await deps.store.getExecution(id))?.status;
  /** The executions that entered Build, in the order they entered it, once each. */
  const enteredBuild = (pipeline: string) =>
    published
      .filter(
        (event) =>
          event['detail-type'] === DETAIL_TYPES.stage &&
          event.detail.pipeline === pipeline &&
          (event.detail as { stage?: string }).stage === 'Build' &&
          event.detail.state === 'STARTED',
      )
      .map((event) => event.detail['execution-id']);

  it('plans a resume at the enter step of the stage the execution stood in front of, with its place in line and the earlier results', async () => {
    const pipeline = await registered('QUEUED');
    const holder = await inBuild(pipeline);
    const waiting = await inLine(pipeline);
    const onTheWay = await pastSource(pipeline);

    expect(await planStageResume(deps, (await deps.store.getExecution(holder))!)).toBeUndefined();
    const plan = (await planStageResume(deps, (await deps.store.getExecution(waiting))!))!;
    expect(plan.stage).toBe('Build');
    expect(plan.resume.compiled.definition.StartAt).toBe('Build (enter)');
    expect(plan.input.actions).toEqual({ a0: { artifacts: [srcLocation], variables: {} } });
    expect(plan.place).toMatchObject({ executionId: waiting, taskToken: `dead-${waiting}`, mode: 'QUEUED' });
    const notJoined = (await planStageResume(deps, (await deps.store.getExecution(onTheWay))!))!;
    expect(notJoined.stage).toBe('Build');
    expect(notJoined).not.toHaveProperty('place');
  });

  it('leaves to end an execution whose last stage succeeded, or whose earlier result is missing', async () => {
    const pipeline = await registered('QUEUED');
    const done = await pastSource(pipeline);
    const at = deps.clock().toISOString();
    await deps.store.putStage({ pipelineExecutionId: done, stageName: 'Build', status: 'Succeeded', startTime: at, lastUpdateTime: at });
    expect(await planStageResume(deps, (await deps.store.getExecution(done))!)).toBeUndefined();
    const input = await startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } });
    await deps.store.putStage({ pipelineExecutionId: input.pipeline.executionId, stageName: 'Source', status: 'Succeeded', startTime: at, lastUpdateTime: at });
    expect(await planStageResume(deps, (await deps.store.getExecution(input.pipeline.executionId))!)).toBeUndefined();
  });

  it('leaves to end a rollback in front of its stage: its records hold none of the earlier results it started with', async () => {
    const id = await rollbackOfBuild();
    expect(await planStageResume(deps, (await deps.store.getExecution(id))!)).toBeUndefined();
  });

  it('QUEUED: the holder ends interrupted, and the waiters enter in the order they arrived, the one not yet in line last', async () => {
    const pipeline = await registered('QUEUED');
    const holder = await inBuild(pipeline);
    const first = await inLine(pipeline);
    const second = await inLine(pipeline);
    const onTheWay = await pastSource(pipeline);
    const engine = stepEngine(deps);
    const warnings: string[] = [];

    const resumed = await takeOverInterrupted(deps, (plan) => resumeWaiting(deps, engine, plan, (message) => warnings.push(message)));
    await engine.settled();

    const ours = resumed.filter((plan) => plan.execution.pipelineName === pipeline.name);
    expect(ours.map((plan) => plan.execution.pipelineExecutionId)).toEqual([first, second, onTheWay]);
    expect(ours.map((plan) => (plan as StageResume).place?.ticket)).toEqual([1, 2, undefined]);
    expect(await deps.store.getExecution(holder)).toMatchObject({ status: 'Failed', statusSummary: INTERRUPTED });
    for (const id of [first, second, onTheWay]) expect(await statusOf(id)).toBe('Succeeded');
    // Each resumed execution says so, once; the interrupted one does not.
    const resumedEvents = published.filter((event) => event['detail-type'] === DETAIL_TYPES.pipeline && event.detail.state === 'RESUMED');
    expect(resumedEvents.map((event) => event.detail['execution-id']).filter((id) => [holder, first, second, onTheWay].includes(id))).toEqual([
      first,
      second,
      onTheWay,
    ]);
    // Each entered once: nobody was admitted on the dead process's token.
    expect(enteredBuild(pipeline.name)).toEqual([first, second, onTheWay]);
    expect(await deps.locks.read(pipeline.name, 'Build')).toMatchObject({ waiters: [] });
    expect((await deps.locks.read(pipeline.name, 'Build')).holder).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('SUPERSEDED: the newest waiter goes back first and supersedes the older one, then enters once the interrupted holder has let go', async () => {
    const pipeline = await registered('SUPERSEDED');
    const holder = await inBuild(pipeline);
    const older = await inLine(pipeline);
    const newest = await inLine(pipeline);
    const engine = stepEngine(deps);

    const resumed = await takeOverInterrupted(deps, (plan) => resumeWaiting(deps, engine, plan, () => undefined));
    await engine.settled();

    expect(resumed.filter((plan) => plan.execution.pipelineName === pipeline.name).map((plan) => plan.execution.pipelineExecutionId)).toEqual([newest]);
    expect(await statusOf(holder)).toBe('Failed');
    expect(await statusOf(older)).toBe('Superseded');
    expect(await statusOf(newest)).toBe('Succeeded');
    expect(enteredBuild(pipeline.name)).toEqual([newest]);
  });

  it('ends a Stopping execution Stopped, with the reason it was stopping for', async () => {
    const pipeline = await registered('QUEUED');
    const stopping = await inBuild(pipeline);
    await deps.store.finishExecution(stopping, 'Stopping', 'stop requested', deps.clock().toISOString());

    await takeOverInterrupted(deps, () => Promise.resolve(false));

    expect(await deps.store.getExecution(stopping)).toMatchObject({ status: 'Stopped', statusSummary: 'stop requested' });
    expect((await deps.store.listStages(stopping)).find((stage) => stage.stageName === 'Build')?.status).toBe('Stopped');
    expect((await deps.locks.read(pipeline.name, 'Build')).holder).toBeUndefined();
  });

  it('without a resume, ends each Failed "interrupted" with a failed stage to retry: the one it was in, or the one it was entering between stages', async () => {
    const pipeline = await registered('QUEUED');
    const holder = await inBuild(pipeline);
    const waiting = await inLine(pipeline);
    const onTheWay = await pastSource(pipeline);

    // A process that does not run executions (a CLI command) takes over: nothing is resumed.
    await takeOverInterrupted(deps);

    const version = (await deps.store.getPipeline(pipeline.name, 1))!;
    for (const id of [holder, waiting, onTheWay]) {
      const execution = (await deps.store.getExecution(id))!;
      expect(execution).toMatchObject({ status: 'Failed', statusSummary: INTERRUPTED });
      const stages = await deps.store.listStages(id);
      expect(Object.fromEntries(stages.map(({ stageName, status }) => [stageName, status]))).toEqual({ Source: 'Succeeded', Build: 'Failed' });
      const plan = await planStageRetry(deps, execution, version, 'Build', 'FAILED_ACTIONS', 'ManualStageRetry');
      expect(plan.input.pipeline.retry).toEqual({ stage: 'Build', attempt: 2, kept: {} });
      expect(plan.input.actions).toEqual({ a0: { artifacts: [srcLocation], variables: {} } });
    }
    const failedStages = published.filter((event) => event['detail-type'] === DETAIL_TYPES.stage && event.detail.state === 'FAILED');
    // One FAILED event each, for the stage that failed.
    const ids = failedStages.map((event) => event.detail['execution-id']).filter((id) => [holder, waiting, onTheWay].includes(id));
    expect(ids.sort()).toEqual([holder, waiting, onTheWay].sort());
    expect(await deps.locks.read(pipeline.name, 'Build')).toMatchObject({ waiters: [] });
    expect((await deps.locks.read(pipeline.name, 'Build')).holder).toBeUndefined();
  });

  it('ends an interrupted rollback Failed in the stage it rolls back, the only one it runs', async () => {
    const id = await rollbackOfBuild();
    await takeOverInterrupted(deps);
    expect(await deps.store.getExecution(id)).toMatchObject({ status: 'Failed', statusSummary: INTERRUPTED });
    expect((await deps.store.listStages(id)).map(({ stageName, status }) => [stageName, status])).toEqual([['Build', 'Failed']]);
  });
});
