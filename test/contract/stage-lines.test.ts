import { runnerCommandsSpec } from '../support/runner-commands';
import type { ActionContext } from '../../lib/actions/action-provider';
import { FUNCTION_PLACEHOLDERS } from '../../lib/core/compile';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { DETAIL_TYPES, type PipelineEvent } from '../../lib/core/events';
import { PipelineOperations, type OperationsDependencies } from '../../lib/operations/pipeline-operations';
import { gitSourceStage } from '../support/declarations';
import { stackPerSuite } from '../support/embedded-stack';
import { testOperationsDependencies, unreadCheckout, type TestExecutionDependencies } from '../support/execution-deps';
import { stepEngine } from '../support/step-engine';

const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;

describe('the line in front of a stage, on the local engine', () => {
  const suite = stackPerSuite();
  let deps: OperationsDependencies & TestExecutionDependencies['deps'];
  let published: PipelineEvent[] = [];
  let pipelines = 0;
  /** Each execution's Compile runs until the test lets it go. */
  const held = new Map<string, () => void>();

  beforeAll(async () => {
    const build = {
      spec: runnerCommandsSpec,
      run: async ({ action, executionId }: ActionContext) => {
        if (action.name === 'Compile') await new Promise<void>((resolve) => held.set(executionId, resolve));
        return { outputArtifacts: [], outputVariables: {} };
      },
    };
    ({ deps, events: published } = await testOperationsDependencies(suite.test, { providers: [unreadCheckout, build], workspaceRoot: suite.scratch }));
  });

  function pipeline(): PipelineDeclaration {
    pipelines += 1;
    return {
      name: `lined-${pipelines}`,
      stages: [
        gitSourceStage('.'),
        { name: 'Build', actions: [{ name: 'Compile', actionTypeId: compute, commands: ['make'], inputArtifacts: [{ name: 'Src' }] }] },
        { name: 'Deploy', actions: [{ name: 'Ship', actionTypeId: compute, commands: ['ship'], inputArtifacts: [{ name: 'Src' }] }] },
      ],
    };
  }

  const until = async (condition: () => Promise<boolean> | boolean) => {
    while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  const stagesOf = async (executionId: string) => new Map((await deps.store.listStages(executionId)).map((stage) => [stage.stageName, stage.status]));
  const statusOf = async (executionId: string) => (await deps.store.getExecution(executionId))?.status;
  const pipelineStates = (executionId: string) =>
    published
      .filter((event) => event.detail['execution-id'] === executionId && event['detail-type'] === DETAIL_TYPES.pipeline)
      .map((event) => event.detail.state);
  /** Whether the execution waits in Build's line: Source done, Build not entered. */
  const waitingForBuild = async (pipelineName: string, executionId: string) =>
    (await stagesOf(executionId)).get('Source') === 'Succeeded' &&
    (await deps.locks.read(pipelineName, 'Build')).waiters.some((waiter) => waiter.executionId === executionId);

  async function started(operations: PipelineOperations, declaration: PipelineDeclaration): Promise<string> {
    return (await operations.startPipelineExecution(declaration.name)).pipelineExecutionId;
  }

  /** A pipeline created on a step engine: its first execution holds Build, and a second waits in front of it. */
  async function firstInBuildSecondWaiting(declaration: PipelineDeclaration) {
    const local = stepEngine(deps);
    const operations = new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS });
    const first = ((await operations.createPipeline(declaration)).firstExecution as { pipelineExecutionId: string }).pipelineExecutionId;
    await until(() => held.has(first));
    const second = await started(operations, declaration);
    await until(() => waitingForBuild(declaration.name, second));
    return { local, operations, first, second };
  }

  it('SUPERSEDED: the newer waiting execution supersedes the older one, and enters once the running one leaves', async () => {
    const declaration = pipeline();
    const { local, operations, first, second } = await firstInBuildSecondWaiting(declaration);
    expect(await statusOf(second)).toBe('InProgress');
    const third = await started(operations, declaration);
    await until(async () => (await statusOf(second)) === 'Superseded');

    expect(await deps.store.getExecution(second)).toMatchObject({ statusSummary: `Superseded by execution ${third} while it waited to enter Build.` });
    expect(pipelineStates(second)).toEqual(['STARTED', 'SUPERSEDED']);
    // The running execution is never pre-empted: it holds Build until it leaves.
    await until(() => waitingForBuild(declaration.name, third));
    expect((await deps.locks.read(declaration.name, 'Build')).holder).toBe(first);

    held.get(first)!();
    await until(() => held.has(third));
    held.get(third)!();
    await local.settled();
    expect(await statusOf(first)).toBe('Succeeded');
    expect(await statusOf(third)).toBe('Succeeded');
    expect([...(await stagesOf(second)).keys()]).toEqual(['Source']);
    expect(await deps.locks.read(declaration.name, 'Build')).toEqual({ transitions: {}, waiters: [] });
  });

  it('QUEUED: each execution enters in the order it arrived, none superseded', async () => {
    const declaration: PipelineDeclaration = { ...pipeline(), pipelineType: 'V2', executionMode: 'QUEUED' };
    const { local, operations, first, second } = await firstInBuildSecondWaiting(declaration);
    const third = await started(operations, declaration);
    await until(() => waitingForBuild(declaration.name, third));

    held.get(first)!();
    await until(() => held.has(second));
    expect(held.has(third)).toBe(false);
    held.get(second)!();
    await until(() => held.has(third));
    held.get(third)!();
    await local.settled();
    for (const id of [first, second, third]) expect(await statusOf(id)).toBe('Succeeded');
  });

  it('UpdatePipeline: a waiting execution of the older version ends Cancelled; the running one finishes its stage, then ends Cancelled', async () => {
    const declaration = pipeline();
    const { local, operations, first, second } = await firstInBuildSecondWaiting(declaration);

    await operations.updatePipeline({
      ...declaration,
      stages: [
        ...declaration.stages,
        { name: 'Verify', actions: [{ name: 'Check', actionTypeId: compute, commands: ['check'], inputArtifacts: [{ name: 'Src' }] }] },
      ],
    });
    expect(await deps.store.getExecution(second)).toMatchObject({
      status: 'Cancelled',
      statusSummary: `Pipeline ${declaration.name} was updated to version 2 before execution ${second} (version 1) could enter Build.`,
    });
    expect(pipelineStates(second)).toEqual(['STARTED', 'CANCELED']);

    held.get(first)!();
    await local.settled();
    expect(await deps.store.getExecution(first)).toMatchObject({ status: 'Cancelled', statusSummary: expect.stringContaining('could enter Deploy.') });
    expect(Object.fromEntries(await stagesOf(first))).toEqual({ Source: 'Succeeded', Build: 'Succeeded' });
    expect(await deps.locks.read(declaration.name, 'Build')).toEqual({ transitions: {}, waiters: [] });
  });
});
