import { ACTION_EXECUTION_OPERATIONS } from '../../../../lib/api/codepipeline/action-execution-operations';
import type { ActionExecutionDetail, ActionExecutionsRequest } from '../../../../lib/operations/action-executions';
import type { SluiceApi } from '../../../../lib/operations/sluice-api';

const detail: ActionExecutionDetail = {
  pipelineExecutionId: 'e-1',
  actionExecutionId: 'a-1',
  pipelineVersion: 2,
  stageName: 'Build',
  actionName: 'Compile',
  startTime: '2025-01-01T00:00:01.500Z',
  lastUpdateTime: '2025-01-01T00:00:09.000Z',
  status: 'Succeeded',
  input: {
    actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
    configuration: {},
    resolvedConfiguration: {},
    region: 'local',
    inputArtifacts: [],
  },
  output: { outputArtifacts: [], outputVariables: {} },
};

function apiAnswering(page: { actionExecutionDetails: ActionExecutionDetail[]; nextToken?: string }) {
  const listActionExecutions = jest.fn(async (_: ActionExecutionsRequest) => page);
  return { api: { listActionExecutions } as unknown as SluiceApi, listActionExecutions };
}

describe('ListActionExecutions on the wire', () => {
  it("passes the model's input on and answers with Dates, which the protocol writes as epoch seconds", async () => {
    const { api, listActionExecutions } = apiAnswering({ actionExecutionDetails: [detail], nextToken: 'next' });

    const output = await ACTION_EXECUTION_OPERATIONS.ListActionExecutions(api, {
      pipelineName: 'webapp',
      filter: { latestInPipelineExecution: { pipelineExecutionId: 'e-1', startTimeRange: 'All' } },
      maxResults: 10,
      nextToken: 'previous',
    });

    expect(listActionExecutions).toHaveBeenCalledWith({
      pipelineName: 'webapp',
      filter: { latestInPipelineExecution: { pipelineExecutionId: 'e-1', startTimeRange: 'All' } },
      maxResults: 10,
      nextToken: 'previous',
    });
    expect(output).toEqual({
      actionExecutionDetails: [{ ...detail, startTime: new Date('2025-01-01T00:00:01.500Z'), lastUpdateTime: new Date('2025-01-01T00:00:09.000Z') }],
      nextToken: 'next',
    });
  });

  it('leaves nextToken out on the last page', async () => {
    const { api } = apiAnswering({ actionExecutionDetails: [] });

    expect(await ACTION_EXECUTION_OPERATIONS.ListActionExecutions(api, { pipelineName: 'webapp' })).toEqual({ actionExecutionDetails: [] });
  });

  it.each([
    [{ pipelineName: undefined }, 'ListActionExecutions needs pipelineName'],
    [{ pipelineName: 'webapp', filter: { latestInPipelineExecution: { pipelineExecutionId: 'e-1' } } }, 'needs pipelineExecutionId and startTimeRange'],
    [
      { pipelineName: 'webapp', filter: { latestInPipelineExecution: { pipelineExecutionId: 'e-1', startTimeRange: 'Newest' } } },
      'startTimeRange must be Latest or All, not "Newest"',
    ],
  ])('refuses %j, naming the field', async (input, message) => {
    const { api, listActionExecutions } = apiAnswering({ actionExecutionDetails: [] });

    await expect(ACTION_EXECUTION_OPERATIONS.ListActionExecutions(api, input as never)).rejects.toThrow(message);
    expect(listActionExecutions).not.toHaveBeenCalled();
  });
});
