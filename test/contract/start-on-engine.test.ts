import { randomBytes } from 'node:crypto';
import { commands } from '../../lib/actions/commands';
import { gitSource } from '../../lib/actions/git-source';
import { LocalEngine, localExecutionArn, type TaskHandler, type TaskHandlers } from '../../lib/adapters/local/local-engine';
import { FUNCTION_PLACEHOLDERS } from '../../lib/core/compile';
import { STOPPED_BY_USER } from '../../lib/core/engine-run-end';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { ConflictError } from '../../lib/core/errors';
import type { ActionStepPayload, StageStepPayload } from '../../lib/core/task-payloads';
import { runAction } from '../../lib/execution/action-steps';
import type { JobDependencies } from '../../lib/execution/custom-action-jobs';
import { endExecution } from '../../lib/execution/end-execution';
import { runStageStep } from '../../lib/execution/stage-steps';
import { compileRegisteredVersion, launchInBackground, runInForeground } from '../../lib/execution/start-on-engine';
import { PipelineOperations } from '../../lib/operations/pipeline-operations';
import type { PipelineEngine } from '../../lib/ports/engine';
import { stackPerSuite } from '../support/embedded-stack';
import { testApprovalDependencies, testExecutionDependencies } from '../support/execution-deps';

const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;
const trigger = { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } as const;

describe('executions started on an engine', () => {
  const suite = stackPerSuite();
  let deps: JobDependencies;
  let pipelines = 0;
  /** Aborted by the test that wants the running action to end. */
  let holdAction: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    // The build waits for `holdAction`, and ignores its signal as a slow step would; the checkout does nothing.
    const build = {
      spec: commands.spec,
      run: async () => {
        await holdAction;
        return { outputArtifacts: [], outputVariables: {} };
      },
    };
    const checkout = {
      spec: gitSource.spec,
      run: async () => ({ outputArtifacts: [{ bucketName: 'sluice-artifacts', objectKey: 'never-read.zip' }], outputVariables: {} }),
    };
    const { deps: base } = await testExecutionDependencies(suite.test, { providers: [checkout, build], workspaceRoot: suite.scratch });
    deps = { ...base, newId: () => randomBytes(8).toString('hex'), ...testApprovalDependencies(suite.test) };
  });

  function pipeline(): PipelineDeclaration {
    pipelines += 1;
    return {
      name: `built-${pipelines}`,
      stages: [
        {
          name: 'Source',
          actions: [
            {
              name: 'Checkout',
              actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' },
              configuration: { RepositoryUrl: '.', BranchName: 'main' },
              outputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
        { name: 'Build', actions: [{ name: 'Compile', actionTypeId: compute, commands: ['make'], inputArtifacts: [{ name: 'Src' }] }] },
      ],
    };
  }

  /** The local engine on the stage and action steps themselves: all these pipelines need. */
  function engine(): LocalEngine {
    const invoked =
      <P>(run: (payload: P, signal: AbortSignal) => Promise<unknown>): TaskHandler =>
      async (parameters, _binding, signal) => ({ Payload: await run(parameters.Payload as P, signal) });
    const stage = invoked<StageStepPayload>((payload) => runStageStep(deps, payload));
    const refused: TaskHandler = () => Promise.reject(new Error('not in this pipeline'));
    const handlers: TaskHandlers = {
      enterStage: stage,
      exitStage: stage,
      failStage: stage,
      runAction: invoked<ActionStepPayload>((payload, signal) => runAction(deps, payload, signal)),
      requestApproval: refused,
      queueJob: refused,
      prepareBuild: refused,
      startBuild: refused,
      completeBuild: refused,
      failBuild: refused,
    };
    return new LocalEngine({
      handlers: () => handlers,
      endExecution: (ref, status, reason) => endExecution(deps, ref, status, reason),
      compiledVersion: (name, version) => compileRegisteredVersion(deps, name, version),
    });
  }

  it('runs an execution in the foreground to its end, the record naming the engine run', async () => {
    const declaration = pipeline();
    const execution = await runInForeground(deps, engine(), { pipeline: declaration, version: 1, trigger }, {});
    expect(execution).toMatchObject({ status: 'Succeeded', engineExecutionArn: localExecutionArn(execution.pipelineExecutionId), trigger });
  });

  it('stops a foreground run on the engine when its signal aborts, the summary saying who stopped it', async () => {
    let release = () => {};
    holdAction = new Promise((resolve) => (release = resolve));
    const declaration = pipeline();
    const stopping = new AbortController();
    const running = runInForeground(deps, engine(), { pipeline: declaration, version: 1, trigger }, {}, stopping.signal);
    const compiling = async () =>
      (await deps.store.listExecutions(declaration.name)).length > 0 &&
      (await deps.store.listActions((await deps.store.listExecutions(declaration.name))[0]!.pipelineExecutionId)).some(
        (action) => action.actionName === 'Compile',
      );
    while (!(await compiling())) await new Promise((resolve) => setTimeout(resolve, 10));
    stopping.abort();
    setTimeout(release, 50);
    const execution = await running;
    expect(execution).toMatchObject({ status: 'Stopped', statusSummary: STOPPED_BY_USER });
    expect((await deps.store.listActions(execution.pipelineExecutionId)).find((action) => action.actionName === 'Compile')).toMatchObject({
      status: 'Abandoned',
    });
  });

  it('ends an execution Failed when the engine refuses to start it, and tells why', async () => {
    const declaration = pipeline();
    const refusing = { startExecution: () => Promise.reject(new Error('no capacity')) } as unknown as PipelineEngine;
    await expect(launchInBackground(deps, refusing, { pipeline: declaration, version: 1, versionArn: 'local:x:1', trigger })).rejects.toThrow('no capacity');
    const [execution] = await deps.store.listExecutions(declaration.name);
    expect(execution).toMatchObject({ status: 'Failed', statusSummary: 'The engine did not start the execution: no capacity' });
  });

  it('deploys each registered version on the engine, starts it in the background and stops it there, as on AWS', async () => {
    let release = () => {};
    holdAction = new Promise((resolve) => (release = resolve));
    const local = engine();
    const operations = new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS });
    const declaration = pipeline();
    const registered = await operations.createPipeline(declaration);
    expect(registered).toMatchObject({ stateMachineArn: `local:${declaration.name}`, versionArn: expect.stringMatching(`^local:${declaration.name}:`) });

    const { pipelineExecutionId } = await operations.startPipelineExecution(declaration.name);
    const engineExecutionArn = localExecutionArn(pipelineExecutionId);
    expect((await operations.getPipelineExecution(pipelineExecutionId)).execution).toMatchObject({ status: 'InProgress', engineExecutionArn });
    const compiling = async () => (await deps.store.listActions(pipelineExecutionId)).some((action) => action.actionName === 'Compile');
    while (!(await compiling())) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await local.describeExecution(engineExecutionArn)).toEqual({ status: 'Running' });

    const stopping = operations.stopPipelineExecution({ pipelineName: declaration.name, pipelineExecutionId, reason: 'superseded by hand' });
    // The action ignores its signal; the stop settles once it has ended, with nothing left half-written.
    setTimeout(release, 50);
    await expect(stopping).resolves.toEqual({ pipelineExecutionId });
    expect(await local.describeExecution(engineExecutionArn)).toEqual({ status: 'Stopped' });
    const detail = await operations.getPipelineExecution(pipelineExecutionId);
    expect(detail.execution).toMatchObject({ status: 'Stopped', statusSummary: 'superseded by hand' });
    expect(detail.actions.find((action) => action.actionName === 'Compile')).toMatchObject({ status: 'Abandoned' });
    await expect(operations.stopPipelineExecution({ pipelineName: declaration.name, pipelineExecutionId })).rejects.toThrow(
      'is Stopped; only an InProgress execution can be stopped',
    );
  });

  it('starts a version registered where no engine ran by deploying it then', async () => {
    holdAction = Promise.resolve();
    const declaration = pipeline();
    await new PipelineOperations(deps).createPipeline(declaration);
    expect(await deps.store.getPipeline(declaration.name)).not.toHaveProperty('versionArn');
    const local = engine();
    const { pipelineExecutionId } = await new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS }).startPipelineExecution(
      declaration.name,
    );
    await local.settled();
    expect(await deps.store.getExecution(pipelineExecutionId)).toMatchObject({ status: 'Succeeded' });
  });

  it('neither starts nor stops executions where no engine runs them', async () => {
    const operations = new PipelineOperations(deps);
    await expect(operations.startPipelineExecution('anything')).rejects.toBeInstanceOf(ConflictError);
    await expect(operations.stopPipelineExecution({ pipelineName: 'anything', pipelineExecutionId: 'e1' })).rejects.toThrow(
      'No sluice serve runs executions on this data dir',
    );
  });
});
