import { runnerCommandsSpec } from '../support/runner-commands';
import type { PipelineDeclaration, StageDeclaration } from '../../lib/core/declaration';
import type { ConditionDeclaration } from '../../lib/core/rules';
import { runInForeground } from '../../lib/execution/start-on-engine';
import type { OperationsDependencies } from '../../lib/operations/pipeline-operations';
import { gitSourceStage } from '../support/declarations';
import { stackPerSuite } from '../support/embedded-stack';
import { stepEngine } from '../support/step-engine';
import { testOperationsDependencies, unreadCheckout, type TestExecutionDependencies } from '../support/execution-deps';

const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;
const trigger = { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } as const;
const rule = (name: string, provider: string, configuration: Record<string, string>) => ({
  name,
  ruleTypeId: { category: 'Rule' as const, owner: 'AWS' as const, provider, version: '1' },
  configuration,
});
const onTarget = (value: string) => rule('OnTarget', 'VariableCheck', { Variable: '#{variables.Target}', Value: value, Operator: 'EQ' });
/** Weekdays from 9:00 to 17:59 in Paris. */
const officeHours = rule('OfficeHours', 'DeploymentWindow', { Cron: '* * 9-17 ? * MON-FRI', TimeZone: 'Europe/Paris' });

/**
 * Stage conditions through the engine, on the embedded stack: the compiled condition Tasks run
 * their rules, record the condition and each rule, and carry out the condition's result.
 */
describe('stage conditions', () => {
  const suite = stackPerSuite();
  let deps: OperationsDependencies & TestExecutionDependencies['deps'];
  let pipelines = 0;
  /** The actions that ran, by stage. */
  const ran: string[] = [];

  beforeAll(async () => {
    const build = {
      spec: runnerCommandsSpec,
      run: async (context: { stageName: string }) => {
        ran.push(context.stageName);
        return { outputArtifacts: [], outputVariables: {} };
      },
    };
    ({ deps } = await testOperationsDependencies(suite.test, { providers: [unreadCheckout, build], workspaceRoot: suite.scratch }));
  });

  const stage = (name: string, conditions: Pick<StageDeclaration, 'beforeEntry' | 'onSuccess'> = {}): StageDeclaration => ({
    name,
    actions: [{ name: 'Run', actionTypeId: compute, commands: ['make'], inputArtifacts: [{ name: 'Src' }] }],
    ...conditions,
  });

  function pipeline(...stages: StageDeclaration[]): PipelineDeclaration {
    pipelines += 1;
    return { name: `gated-${pipelines}`, pipelineType: 'V2', variables: [{ name: 'Target', defaultValue: 'beta' }], stages: [gitSourceStage('.'), ...stages] };
  }

  async function run(declaration: PipelineDeclaration, at = new Date()) {
    ran.length = 0;
    const clocked = { ...deps, clock: () => at };
    const execution = await runInForeground(
      clocked,
      stepEngine(clocked),
      { pipeline: declaration, version: 1, trigger, caller: { who: 'alice', from: 'cli' } },
      {},
    );
    const id = execution.pipelineExecutionId;
    const stages = Object.fromEntries((await deps.store.listStages(id)).map((entry) => [entry.stageName, entry.status]));
    return { execution, stages, conditions: await deps.store.listConditions(id) };
  }

  const gate = (result: ConditionDeclaration['result'], ...rules: ConditionDeclaration['rules'] & object) => ({ conditions: [{ result, rules }] });

  it('enters a stage whose entry condition passes, and records the condition and its rule as Succeeded', async () => {
    const { execution, stages, conditions } = await run(pipeline(stage('Deploy', { beforeEntry: gate('FAIL', onTarget('beta')) })));
    expect(execution.status).toBe('Succeeded');
    expect(stages.Deploy).toBe('Succeeded');
    expect(ran).toEqual(['Deploy']);
    expect(conditions).toEqual([
      expect.objectContaining({
        stageName: 'Deploy',
        conditionType: 'BEFORE_ENTRY',
        status: 'Succeeded',
        rules: [
          expect.objectContaining({
            ruleName: 'OnTarget',
            status: 'Succeeded',
            input: expect.objectContaining({ resolvedConfiguration: { Variable: 'beta', Value: 'beta', Operator: 'EQ' } }),
          }),
        ],
      }),
    ]);
  });

  it('fails the stage and the execution, running none of its actions, when an entry condition with FAIL fails', async () => {
    const { execution, stages, conditions } = await run(pipeline(stage('Deploy', { beforeEntry: gate('FAIL', onTarget('prod')) }), stage('After')));
    expect(execution.status).toBe('Failed');
    expect(execution.statusSummary).toContain('"beta" EQ "prod" is false');
    expect(stages).toEqual({ Source: 'Succeeded', Deploy: 'Failed' });
    expect(ran).toEqual([]);
    expect(conditions[0]).toMatchObject({ status: 'Failed', rules: [{ ruleName: 'OnTarget', status: 'Failed' }] });
  });

  it('skips the stage when an entry condition with SKIP fails, and goes on to the next stage', async () => {
    const { execution, stages } = await run(pipeline(stage('Deploy', { beforeEntry: gate('SKIP', onTarget('prod')) }), stage('After')));
    expect(execution.status).toBe('Succeeded');
    expect(stages).toEqual({ Source: 'Succeeded', Deploy: 'Skipped', After: 'Succeeded' });
    expect(ran).toEqual(['After']);
  });

  it('ends the execution Succeeded when its last stage is skipped', async () => {
    const { execution, stages } = await run(pipeline(stage('Deploy', { beforeEntry: gate('SKIP', onTarget('prod')) })));
    expect(execution.status).toBe('Succeeded');
    expect(stages.Deploy).toBe('Skipped');
  });

  it('fails a stage whose actions succeeded when a success condition with FAIL fails: a deployment window, on an injected clock', async () => {
    const saturday = new Date('2026-12-05T10:00:00Z');
    const monday = new Date('2026-12-07T10:00:00Z');
    const declaration = pipeline(stage('Deploy', { onSuccess: gate('FAIL', officeHours) }));

    const outside = await run(declaration, saturday);
    expect(outside.execution.status).toBe('Failed');
    expect(outside.stages.Deploy).toBe('Failed');
    expect(ran).toEqual(['Deploy']);
    expect(outside.conditions[0]).toMatchObject({ conditionType: 'ON_SUCCESS', status: 'Failed', rules: [{ ruleName: 'OfficeHours', status: 'Failed' }] });
    expect(outside.conditions[0]!.rules[0]!.summary).toContain('outside the deployment window');

    const inside = await run(declaration, monday);
    expect(inside.execution.status).toBe('Succeeded');
    expect(inside.conditions[0]).toMatchObject({ conditionType: 'ON_SUCCESS', status: 'Succeeded' });
  });
});
