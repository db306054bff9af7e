import { PipelineExecutionNotFoundError, PipelineNotFoundError } from '../../lib/core/errors';
import { listActionExecutions, type ActionExecutionsRequest } from '../../lib/operations/action-executions';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import type { ActionExecutionRecord } from '../../lib/ports/execution-store';
import { gitSourceStage } from '../support/declarations';
import { stackPerSuite } from '../support/embedded-stack';
import { testExecutionDependencies } from '../support/execution-deps';

const EXECUTIONS = 30;

const startOf = (index: number) => new Date(Date.UTC(2025, 0, 1, 0, index)).toISOString();

function actionOf(executionId: string, actionName: string, startTime: string): ActionExecutionRecord {
  return {
    pipelineExecutionId: executionId,
    stageName: 'Build',
    actionName,
    actionExecutionId: `${executionId}/${actionName}`,
    status: 'Succeeded',
    startTime,
    lastUpdateTime: startTime,
    input: {
      actionTypeId: { category: 'Build', owner: 'AWS', provider: 'Commands', version: '1' },
      configuration: {},
      resolvedConfiguration: {},
      inputArtifacts: [],
    },
  };
}

describe('ListActionExecutions over the execution store on the embedded stack', () => {
  const suite = stackPerSuite();
  let deps: ExecutionDependencies;
  /** Every action execution, in the order ListActionExecutions lists them. */
  const expected: string[] = [];

  beforeAll(async () => {
    ({ deps } = await testExecutionDependencies(suite.test, { providers: [], workspaceRoot: suite.scratch }));
    const declaration = { name: 'paged', stages: [gitSourceStage('.'), { name: 'Build', actions: [] }] };
    await deps.store.putPipelineVersion({ name: 'paged', version: 1, declaration, created: startOf(0) });
    for (let index = 0; index < EXECUTIONS; index++) {
      const id = `exec-${String(index).padStart(2, '0')}`;
      const startTime = startOf(index);
      await deps.store.createExecution({
        pipelineName: 'paged',
        pipelineVersion: 1,
        pipelineExecutionId: id,
        status: 'Succeeded',
        startTime,
        lastUpdateTime: startTime,
        trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' },
        variables: {},
      });
      await deps.store.putAction(actionOf(id, 'Compile', startTime));
      await deps.store.putAction(actionOf(id, 'Test', new Date(Date.parse(startTime) + 1000).toISOString()));
      expected.unshift(`${id}/Compile`);
      expected.unshift(`${id}/Test`);
    }
  });

  async function everyPage(request: ActionExecutionsRequest): Promise<string[][]> {
    const pages: string[][] = [];
    let nextToken: string | undefined;
    do {
      const page = await listActionExecutions(deps, { ...request, ...(nextToken ? { nextToken } : {}) });
      pages.push(page.actionExecutionDetails.map((detail) => detail.actionExecutionId));
      nextToken = page.nextToken;
    } while (nextToken);
    return pages;
  }

  it('lists every action execution once, newest first, across pages that end inside executions', async () => {
    const pages = await everyPage({ pipelineName: 'paged', maxResults: 7 });

    expect(pages.map((page) => page.length)).toEqual([...Array<number>(8).fill(7), 4]);
    expect(pages.flat()).toEqual(expected);
  });

  it('answers on one page when there are fewer than the default maxResults, 100', async () => {
    const pages = await everyPage({ pipelineName: 'paged' });

    expect(pages.map((page) => page.length)).toEqual([EXECUTIONS * 2]);
  });

  it("lists one execution's actions only, with either filter", async () => {
    expect(await everyPage({ pipelineName: 'paged', filter: { pipelineExecutionId: 'exec-03' }, maxResults: 1 })).toEqual([
      ['exec-03/Test'],
      ['exec-03/Compile'],
    ]);
    const latest = await listActionExecutions(deps, {
      pipelineName: 'paged',
      filter: { latestInPipelineExecution: { pipelineExecutionId: 'exec-03', startTimeRange: 'Latest' } },
    });
    expect(latest.actionExecutionDetails.map((detail) => detail.actionExecutionId)).toEqual(['exec-03/Test', 'exec-03/Compile']);
  });

  it('goes on past an execution deleted between two pages', async () => {
    const first = await listActionExecutions(deps, { pipelineName: 'paged', maxResults: 3 });
    expect(first.actionExecutionDetails.map((detail) => detail.actionExecutionId)).toEqual(expected.slice(0, 3));

    await deps.store.deleteExecution('exec-28');
    const second = await listActionExecutions(deps, { pipelineName: 'paged', maxResults: 3, nextToken: first.nextToken! });

    expect(second.actionExecutionDetails.map((detail) => detail.actionExecutionId)).toEqual(['exec-27/Test', 'exec-27/Compile', 'exec-26/Test']);
  });

  it('refuses an unknown pipeline, and an execution that is not of the pipeline', async () => {
    await expect(listActionExecutions(deps, { pipelineName: 'nowhere' })).rejects.toThrow(PipelineNotFoundError);
    await expect(listActionExecutions(deps, { pipelineName: 'paged', filter: { pipelineExecutionId: 'no-such' } })).rejects.toThrow(
      PipelineExecutionNotFoundError,
    );
    await expect(
      listActionExecutions(deps, {
        pipelineName: 'paged',
        filter: { pipelineExecutionId: 'exec-01', latestInPipelineExecution: { pipelineExecutionId: 'exec-02', startTimeRange: 'All' } },
      }),
    ).rejects.toThrow('name different executions');
  });
});
