import { compileCatalog } from '../../lib/execution/compile-catalog';
import { runnerCommandsSpec } from '../support/runner-commands';
import type { ActionContext } from '../../lib/actions/action-provider';
import { compilePipeline } from '../../lib/core/compile';
import type { PipelineDeclaration, StageDeclaration } from '../../lib/core/declaration';
import { PipelineExecutionNotFoundError, PipelineExecutionOutdatedError, StageNotFoundError, UnableToRollbackStageError } from '../../lib/core/errors';
import { rollBackByItself, rollBackStage, type RollbackRequest } from '../../lib/execution/rollback-stage';
import { runInForeground } from '../../lib/execution/start-on-engine';
import type { OperationsDependencies } from '../../lib/operations/pipeline-operations';
import type { VersionRun } from '../../lib/ports/engine';
import { gitSourceStage } from '../support/declarations';
import { stackPerSuite } from '../support/embedded-stack';
import { stepEngine } from '../support/step-engine';
import { testOperationsDependencies, unreadCheckout, type TestExecutionDependencies } from '../support/execution-deps';

const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;
const started = { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } as const;
const manual = { triggerType: 'ManualRollback', triggerDetail: 'alice' } as const;

/**
 * Rolling back a stage through the engine, on the embedded stack: Build makes a version out of
 * the pipeline variable Target, Deploy deploys the version Build made (and fails on "bad"), and
 * Verify comes after. A rollback runs Deploy alone, with the target execution's Build result.
 */
describe('rolling back a stage', () => {
  const suite = stackPerSuite();
  let deps: OperationsDependencies & TestExecutionDependencies['deps'];
  let pipelines = 0;
  /** Each action that ran, as `<stage>:<its command>`. */
  const ran: string[] = [];
  let deploysFail = false;

  beforeAll(async () => {
    const fake = {
      spec: runnerCommandsSpec,
      run: async (context: ActionContext) => {
        const command = context.action.commands!.join(' ');
        ran.push(`${context.stageName}:${command}`);
        if (context.stageName === 'Deploy' && (command.endsWith('bad') || deploysFail)) throw new Error(`${command} failed`);
        return { outputArtifacts: [], outputVariables: { Version: command.split(' ').at(-1)! } };
      },
    };
    ({ deps } = await testOperationsDependencies(suite.test, { providers: [unreadCheckout, fake], workspaceRoot: suite.scratch }));
  });

  const action = (command: string, namespace?: string) => ({
    name: 'Run',
    actionTypeId: compute,
    commands: [command],
    inputArtifacts: [{ name: 'Src' }],
    ...(namespace ? { namespace } : {}),
  });

  /** Source, Build, Deploy (with `deploy`'s conditions and failure result), Verify; version 1, registered. */
  async function pipeline(deploy: Pick<StageDeclaration, 'onFailure' | 'onSuccess'> = {}, extra: Partial<PipelineDeclaration> = {}) {
    pipelines += 1;
    const declaration: PipelineDeclaration = {
      name: `rollback-${pipelines}`,
      pipelineType: 'V2',
      variables: [{ name: 'Target', defaultValue: 'v1' }],
      stages: [
        gitSourceStage('.'),
        { name: 'Build', actions: [action('build #{variables.Target}', 'BuildVariables')] },
        { name: 'Deploy', actions: [action('deploy #{BuildVariables.Version}')], ...deploy },
        { name: 'Verify', actions: [action('verify')] },
      ],
      ...extra,
    };
    await deps.store.putPipelineVersion({ name: declaration.name, version: 1, declaration, created: deps.clock().toISOString() });
    return declaration;
  }

  /** The engine, and what starts a rollback on it: the version's definition, as a background engine starts it. */
  function engineFor(declaration: PipelineDeclaration) {
    const withRuns: typeof deps = { ...deps };
    const engine = stepEngine(withRuns);
    const run: VersionRun = async (version, runName, input) => {
      const { versionArn } = await engine.deployPipeline(version.name, compilePipeline(version.declaration, compileCatalog(deps)));
      return engine.startExecution(versionArn, runName, input);
    };
    withRuns.startRun = run;
    const start = async (target: string) => {
      const execution = await runInForeground(
        withRuns,
        engine,
        { pipeline: declaration, version: 1, trigger: started, variables: { Target: target }, caller: { who: 'alice', from: 'cli' } },
        {},
      );
      // An automatic rollback runs on after the execution that started it.
      await engine.settled();
      return execution;
    };
    const rollBack = async (request: Omit<RollbackRequest, 'pipelineName' | 'trigger'>) => {
      const { pipelineExecutionId } = await rollBackStage(withRuns, run, { pipelineName: declaration.name, trigger: manual, ...request }, true);
      await engine.settled();
      return pipelineExecutionId;
    };
    return { start, rollBack };
  }

  async function stagesOf(id: string) {
    return Object.fromEntries((await deps.store.listStages(id)).map((entry) => [entry.stageName, entry.status]));
  }

  async function rollbacksOf(name: string) {
    return (await deps.store.listExecutions(name)).filter((execution) => execution.executionType === 'ROLLBACK');
  }

  it("rolls a failed stage back by itself to the last execution that succeeded there, running that stage alone with that execution's results", async () => {
    const declaration = await pipeline({ onFailure: { result: 'ROLLBACK' } });
    const { start } = engineFor(declaration);
    const good = await start('v1');
    expect(good.status).toBe('Succeeded');
    ran.length = 0;
    const bad = await start('bad');
    expect(bad.status).toBe('Failed');
    expect(await stagesOf(bad.pipelineExecutionId)).toEqual({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Failed' });

    const [rollback] = await rollbacksOf(declaration.name);
    expect(rollback).toMatchObject({
      status: 'Succeeded',
      executionType: 'ROLLBACK',
      trigger: { triggerType: 'AutomatedRollback', triggerDetail: bad.pipelineExecutionId },
      rollbackMetadata: { rollbackTargetPipelineExecutionId: good.pipelineExecutionId },
      variables: { Target: 'v1' },
      pipelineVersion: 1,
    });
    expect(await stagesOf(rollback!.pipelineExecutionId)).toEqual({ Deploy: 'Succeeded' });
    expect(ran).toEqual(['Build:build bad', 'Deploy:deploy bad', 'Deploy:deploy v1']);
  });

  it('leaves a failure standing when no execution has succeeded in the stage, and a rollback that fails does not roll back again', async () => {
    const declaration = await pipeline({ onFailure: { result: 'ROLLBACK' } });
    const { start, rollBack } = engineFor(declaration);
    expect((await start('bad')).status).toBe('Failed');
    expect(await rollbacksOf(declaration.name)).toEqual([]);

    expect((await start('v2')).status).toBe('Succeeded');
    deploysFail = true;
    try {
      const id = await rollBack({ stageName: 'Deploy' });
      expect((await deps.store.getExecution(id))?.status).toBe('Failed');
    } finally {
      deploysFail = false;
    }
    expect(await rollbacksOf(declaration.name)).toHaveLength(1);
  });

  it('leaves a failure standing when the pipeline was updated without the stage since the execution started', async () => {
    const declaration = await pipeline({ onFailure: { result: 'ROLLBACK' } });
    const { start } = engineFor(declaration);
    const good = await start('v1');
    const withoutDeploy = { ...declaration, version: 2, stages: declaration.stages.filter((stage) => stage.name !== 'Deploy') };
    await deps.store.putPipelineVersion({ name: declaration.name, version: 2, declaration: withoutDeploy, created: deps.clock().toISOString() });
    const failed = { name: declaration.name, version: 1, executionId: good.pipelineExecutionId, variables: good.variables };
    await expect(rollBackByItself({ ...deps, startRun: () => Promise.reject(new Error('nothing to start')) }, failed, 'Deploy')).resolves.toBeUndefined();
    expect(await rollbacksOf(declaration.name)).toEqual([]);
  });

  it('rolls back by itself when a success condition fails with ROLLBACK', async () => {
    const healthy = {
      name: 'Healthy',
      ruleTypeId: { category: 'Rule' as const, provider: 'VariableCheck' },
      configuration: { Variable: '#{variables.Target}', Value: 'v1', Operator: 'EQ' },
    };
    const declaration = await pipeline({ onSuccess: { conditions: [{ result: 'ROLLBACK', rules: [healthy] }] } });
    const { start } = engineFor(declaration);
    const good = await start('v1');
    ran.length = 0;
    const unhealthy = await start('v2');
    expect(unhealthy.status).toBe('Failed');
    const [rollback] = await rollbacksOf(declaration.name);
    expect(rollback).toMatchObject({ status: 'Succeeded', rollbackMetadata: { rollbackTargetPipelineExecutionId: good.pipelineExecutionId } });
    expect(ran).toEqual(['Build:build v2', 'Deploy:deploy v2', 'Deploy:deploy v1']);
  });

  it("rolls back by itself when a failed stage's failure condition fails, not when it passes, and not again when the rollback fails", async () => {
    const expected = {
      name: 'Expected',
      ruleTypeId: { category: 'Rule' as const, provider: 'VariableCheck' },
      configuration: { Variable: '#{variables.Target}', Value: 'v2', Operator: 'EQ' },
    };
    const declaration = await pipeline({ onFailure: { result: 'ROLLBACK', conditions: [{ result: 'ROLLBACK', rules: [expected] }] } });
    const { start } = engineFor(declaration);
    const good = await start('v1');
    const conditionsOf = async (id: string) =>
      (await deps.store.listConditions(id)).map((condition) => `${condition.stageName} ${condition.conditionType} ${condition.status}`);
    try {
      deploysFail = true;
      const stands = await start('v2');
      expect(stands.status).toBe('Failed');
      expect(await conditionsOf(stands.pipelineExecutionId)).toEqual(['Deploy ON_FAILURE Succeeded']);
      expect(await rollbacksOf(declaration.name)).toEqual([]);

      ran.length = 0;
      const rolls = await start('v3');
      expect(rolls.status).toBe('Failed');
      expect(await stagesOf(rolls.pipelineExecutionId)).toEqual({ Source: 'Succeeded', Build: 'Succeeded', Deploy: 'Failed' });
      expect(await conditionsOf(rolls.pipelineExecutionId)).toEqual(['Deploy ON_FAILURE Failed']);
      // The rollback fails too, Deploy failing still: it evaluates no failure condition, and rolls back no further.
      const rollbacks = await rollbacksOf(declaration.name);
      expect(rollbacks).toEqual([
        expect.objectContaining({
          status: 'Failed',
          trigger: { triggerType: 'AutomatedRollback', triggerDetail: rolls.pipelineExecutionId },
          rollbackMetadata: { rollbackTargetPipelineExecutionId: good.pipelineExecutionId },
        }),
      ]);
      expect(await conditionsOf(rollbacks[0]!.pipelineExecutionId)).toEqual([]);
      expect(ran).toEqual(['Build:build v3', 'Deploy:deploy v3', 'Deploy:deploy v1']);
    } finally {
      deploysFail = false;
    }
  });

  it('rolls back by request to the last execution that succeeded in the stage, or to the one named, never to a rollback', async () => {
    const declaration = await pipeline();
    const { start, rollBack } = engineFor(declaration);
    const first = await start('v1');
    const second = await start('v2');
    ran.length = 0;

    const byDefault = await rollBack({ stageName: 'Deploy' });
    expect(await deps.store.getExecution(byDefault)).toMatchObject({
      status: 'Succeeded',
      trigger: manual,
      rollbackMetadata: { rollbackTargetPipelineExecutionId: second.pipelineExecutionId },
    });
    const named = await rollBack({ stageName: 'Build', targetPipelineExecutionId: first.pipelineExecutionId });
    expect(await stagesOf(named)).toEqual({ Build: 'Succeeded' });
    // The rollback of Deploy is the last execution that succeeded there; its target is the second.
    const again = await rollBack({ stageName: 'Deploy' });
    expect((await deps.store.getExecution(again))?.rollbackMetadata).toEqual({ rollbackTargetPipelineExecutionId: second.pipelineExecutionId });
    expect(ran).toEqual(['Deploy:deploy v2', 'Build:build v1', 'Deploy:deploy v2']);
  });

  it("refuses as CodePipeline does: the source stage, an unknown stage or target, a target that did not succeed there, a rollback, another version's execution, a PARALLEL pipeline", async () => {
    const declaration = await pipeline();
    const { start, rollBack } = engineFor(declaration);
    const good = await start('v1');
    const bad = await start('bad');
    const rollback = await rollBack({ stageName: 'Deploy' });

    await expect(rollBack({ stageName: 'Source' })).rejects.toThrow(UnableToRollbackStageError);
    await expect(rollBack({ stageName: 'Nope' })).rejects.toThrow(StageNotFoundError);
    await expect(rollBack({ stageName: 'Deploy', targetPipelineExecutionId: 'no-such-execution' })).rejects.toThrow(PipelineExecutionNotFoundError);
    await expect(rollBack({ stageName: 'Deploy', targetPipelineExecutionId: bad.pipelineExecutionId })).rejects.toThrow(/did not succeed in Deploy \(Failed\)/);
    await expect(rollBack({ stageName: 'Verify', targetPipelineExecutionId: bad.pipelineExecutionId })).rejects.toThrow(/never ran there/);
    await expect(rollBack({ stageName: 'Deploy', targetPipelineExecutionId: rollback })).rejects.toThrow(/a rollback itself/);

    const other = await pipeline();
    const elsewhere = await engineFor(other).start('v1');
    await expect(rollBack({ stageName: 'Deploy', targetPipelineExecutionId: elsewhere.pipelineExecutionId })).rejects.toThrow(PipelineExecutionNotFoundError);

    await deps.store.putPipelineVersion({
      name: declaration.name,
      version: 2,
      declaration: { ...declaration, version: 2 },
      created: deps.clock().toISOString(),
    });
    await expect(rollBack({ stageName: 'Deploy', targetPipelineExecutionId: good.pipelineExecutionId })).rejects.toThrow(PipelineExecutionOutdatedError);
    // Without a target, none of version 2 has succeeded in the stage.
    await expect(rollBack({ stageName: 'Deploy' })).rejects.toThrow(/No execution of version 2/);

    const parallel = await pipeline({}, { executionMode: 'PARALLEL' });
    await expect(engineFor(parallel).rollBack({ stageName: 'Deploy' })).rejects.toThrow(/PARALLEL/);
    expect(await rollbacksOf(declaration.name)).toHaveLength(1);
  });
});
