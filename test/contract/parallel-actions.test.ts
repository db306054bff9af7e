import { compileCatalog } from '../../lib/execution/compile-catalog';
import { runnerCommandsSpec } from '../support/runner-commands';
import { StateMachine } from 'aws-local-stepfunctions';
import type { ActionContext } from '../../lib/actions/action-provider';
import { compilePipeline } from '../../lib/core/compile';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { DETAIL_TYPES, type PipelineEvent } from '../../lib/core/events';
import { startExecution } from '../../lib/execution/start-execution';
import { stackPerSuite } from '../support/embedded-stack';
import { testExecutionDependencies, type TestExecutionDependencies } from '../support/execution-deps';
import { stepHandlers } from '../support/step-engine';

const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;
const action = (name: string, runOrder: number): ActionDeclaration => ({ name, runOrder, actionTypeId: compute, commands: [name] });

/** Build runs Lint and Package side by side, then Publish; Deploy comes after. */
const pipeline: PipelineDeclaration = {
  name: 'siblings',
  stages: [
    { name: 'Build', actions: [action('Lint', 1), action('Package', 1), action('Publish', 2)] },
    { name: 'Deploy', actions: [action('Ship', 1)] },
  ],
};

describe('a runOrder group in which one action fails while its sibling runs on', () => {
  const suite = stackPerSuite();
  let deps: TestExecutionDependencies['deps'];
  let events: PipelineEvent[];
  let releasePackage = () => {};
  const packageHeld = new Promise<void>((resolve) => (releasePackage = resolve));

  beforeAll(async () => {
    // Lint fails at once; Package runs until the test lets it go.
    const provider = {
      spec: runnerCommandsSpec,
      run: async ({ action: { name } }: ActionContext) => {
        if (name === 'Lint') throw new Error('lint found 3 problems');
        if (name === 'Package') await packageHeld;
        return { outputArtifacts: [], outputVariables: {}, summary: `${name} done` };
      },
    };
    const built = await testExecutionDependencies(suite.test, { providers: [provider], workspaceRoot: suite.scratch });
    ({ deps, events } = built);
    // A stage that failed while Package still ran would have let it go too.
    built.bus.subscribe((event) => {
      if (event['detail-type'] === DETAIL_TYPES.stage && event.detail.state === 'FAILED') releasePackage();
    });
  });

  /**
   * Runs the compiled pipeline on aws-local-stepfunctions, as the local engine does, and lets
   * Package go once Lint's branch has ended: then the engine has had Lint's failure in hand.
   */
  async function runWhileLintEnds(): Promise<string> {
    const compiled = compilePipeline(pipeline, compileCatalog(deps));
    const handlers = stepHandlers(deps);
    const signal = new AbortController().signal;
    const handling: Promise<unknown>[] = [];
    const overrides = Object.fromEntries(
      Object.entries(compiled.tasks).map(([name, binding]) => [
        name,
        (parameters: Record<string, unknown>) => {
          const handled = handlers[binding.step](parameters, binding, signal);
          handling.push(handled.catch(() => undefined));
          return handled;
        },
      ]),
    );
    const input = await startExecution(deps, {
      pipeline,
      version: 1,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' },
      variables: {},
    });
    const machine = new StateMachine(compiled.definition as never, { validationOptions: { noValidate: true } });
    // The enter Tasks read $$.Task.Token, which the local engine gives every execution.
    const run = machine.run(input as never, { overrides: { taskResourceLocalHandlers: overrides as never }, context: { Task: { Token: 'local' } } });
    for await (const event of run.eventLogs) if (event.type === 'ParallelBranchSucceeded') releasePackage();
    await run.result.catch(() => undefined);
    await Promise.all(handling);
    return input.pipeline.executionId;
  }

  it('lets the sibling finish with its own result, then fails the stage and the execution with the failed action’s error', async () => {
    const executionId = await runWhileLintEnds();

    expect(await deps.store.getExecution(executionId)).toMatchObject({ status: 'Failed', statusSummary: 'Build/Lint failed: lint found 3 problems' });
    const actions = new Map((await deps.store.listActions(executionId)).map((record) => [record.actionName, record]));
    // Neither the next runOrder group nor the next stage started.
    expect([...actions.keys()].sort()).toEqual(['Lint', 'Package']);
    expect(actions.get('Lint')).toMatchObject({ status: 'Failed', errorDetails: { code: 'Sluice.ActionFailed', message: 'lint found 3 problems' } });
    expect(actions.get('Package')).toMatchObject({ status: 'Succeeded', output: { executionResult: { externalExecutionSummary: 'Package done' } } });
    expect(actions.get('Package')).not.toHaveProperty('errorDetails');
    expect(await deps.store.listStages(executionId)).toEqual([expect.objectContaining({ stageName: 'Build', status: 'Failed' })]);

    // The order the events went out in: the stage and the execution fail only once Package has ended.
    const published = events
      .filter((event) => event.detail['execution-id'] === executionId)
      .map((event) => [
        event['detail-type'],
        'stage' in event.detail ? event.detail.stage : '',
        'action' in event.detail ? event.detail.action : '',
        event.detail.state,
      ]);
    expect(published.slice(-4)).toEqual([
      [DETAIL_TYPES.action, 'Build', 'Lint', 'FAILED'],
      [DETAIL_TYPES.action, 'Build', 'Package', 'SUCCEEDED'],
      [DETAIL_TYPES.stage, 'Build', '', 'FAILED'],
      [DETAIL_TYPES.pipeline, '', '', 'FAILED'],
    ]);
  });
});
