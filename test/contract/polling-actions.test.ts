import { commands } from '../../lib/actions/commands';
import type { ActionContext, ActionInProgress, ActionOutcome } from '../../lib/actions/action-provider';
import { providerCatalog } from '../../lib/actions/registry';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { compilePipeline } from '../../lib/core/compile';
import { runInForeground } from '../../lib/execution/start-on-engine';
import type { OperationsDependencies } from '../../lib/operations/pipeline-operations';
import { openActionLog } from '../../lib/artifacts/action-log';
import { text } from 'node:stream/consumers';
import { stackPerSuite } from '../support/embedded-stack';
import { stepEngine } from '../support/step-engine';
import { testOperationsDependencies, type TestExecutionDependencies } from '../support/execution-deps';

const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;
const trigger = { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } as const;
/** The Commands spec, run by the polling integration: what a stack deploy that takes three runs looks like to the engine. */
const catalog = new Map(providerCatalog).set('Compute/AWS/Commands', { ...commands.spec, integration: 'polling' });

/**
 * A polling action through the engine, on the embedded stack: the runner answers "in progress"
 * twice, the compiled Wait and Choice states run it again, and the third run ends it.
 */
describe('polling actions', () => {
  const suite = stackPerSuite();
  let deps: OperationsDependencies & TestExecutionDependencies['deps'];
  const continuations: (string | undefined)[] = [];

  beforeAll(async () => {
    const deploy = {
      spec: catalog.get('Compute/AWS/Commands')!,
      run: async ({ action, continuation, log }: ActionContext): Promise<ActionOutcome | ActionInProgress> => {
        continuations.push(continuation);
        const runs = continuation ? (JSON.parse(continuation) as { runs: number }).runs + 1 : 1;
        log(`run ${runs} of ${action.name}\n`);
        if (action.name === 'Breaks' && runs === 2) throw new Error('the stack rolled back: bucket already exists');
        if (runs < 3) return { inProgress: { state: JSON.stringify({ runs }), afterSeconds: 0 } };
        return { outputArtifacts: [], outputVariables: { Runs: String(runs), Seen: action.configuration?.Seen ?? '' }, summary: `${action.name} done` };
      },
    };
    ({ deps } = await testOperationsDependencies(suite.test, { providers: [deploy], workspaceRoot: suite.scratch }));
  });

  const action = (name: string, extra: Partial<ActionDeclaration> = {}): ActionDeclaration => ({ name, actionTypeId: compute, commands: ['deploy'], ...extra });

  /** Runs the declaration to its end on the local engine, compiled with the polling Commands spec. */
  async function runOn(runDeps: typeof deps, declaration: PipelineDeclaration) {
    continuations.length = 0;
    const engine = stepEngine(runDeps);
    const deploy = engine.deployPipeline.bind(engine);
    engine.deployPipeline = (name) => deploy(name, compilePipeline({ ...declaration, version: 1 }, catalog));
    const execution = await runInForeground(runDeps, engine, { pipeline: declaration, version: 1, trigger, caller: { who: 'alice', from: 'cli' } }, {});
    return { execution, actions: await deps.store.listActions(execution.pipelineExecutionId) };
  }
  const run = (declaration: PipelineDeclaration) => runOn(deps, declaration);

  it('runs the action until it is done, on one action execution, with one log, and hands its variables on', async () => {
    const { execution, actions } = await run({
      name: 'stack-deploy',
      stages: [
        { name: 'Deploy', actions: [action('Stack', { namespace: 'StackVars' })] },
        { name: 'Use', actions: [action('Read', { configuration: { Seen: '#{StackVars.Runs}' } })] },
      ],
    });
    expect(execution.status).toBe('Succeeded');
    const stack = actions.filter((entry) => entry.actionName === 'Stack');
    expect(stack).toHaveLength(1);
    expect(stack[0]).toMatchObject({
      status: 'Succeeded',
      output: { outputVariables: { Runs: '3' }, executionResult: { externalExecutionSummary: 'Stack done' } },
    });
    expect(actions.find((entry) => entry.actionName === 'Read')!.output!.outputVariables).toMatchObject({ Seen: '3' });
    // Each run after the first got what the one before it answered.
    expect(continuations.slice(0, 3)).toEqual([undefined, '{"runs":1}', '{"runs":2}']);
    const log = await text(await openActionLog(deps.blobs, stack[0]!.logLocation!));
    expect(log).toBe('run 1 of Stack\nrun 2 of Stack\nrun 3 of Stack\n');
  });

  it("fails the action execution that its first run started when a later run fails, with that run's error", async () => {
    const { execution, actions } = await run({ name: 'stack-breaks', stages: [{ name: 'Deploy', actions: [action('Breaks')] }] });
    expect(execution.status).toBe('Failed');
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ status: 'Failed', errorDetails: { message: expect.stringContaining('bucket already exists') } });
    expect(await text(await openActionLog(deps.blobs, actions[0]!.logLocation!))).toContain('run 1 of Breaks\nrun 2 of Breaks\n');
  });

  it('fails an action that has run past its timeoutInMinutes when it is next run', async () => {
    // Once the action has started, the clock says 90 minutes have gone by.
    let started = false;
    const clocked = { ...deps, clock: () => new Date(Date.now() + (started ? 90 * 60_000 : 0)), onLog: () => (started = true) };
    const { execution, actions } = await runOn(clocked, {
      name: 'stack-slow',
      stages: [{ name: 'Deploy', actions: [action('Slow', { timeoutInMinutes: 60 })] }],
    });
    expect(execution.status).toBe('Failed');
    expect(actions).toHaveLength(1);
    expect(actions[0]!.errorDetails!.message).toContain('Slow did not finish within its timeoutInMinutes, 60; it ran for 90 minutes');
    expect(continuations).toEqual([undefined]);
  });
});
