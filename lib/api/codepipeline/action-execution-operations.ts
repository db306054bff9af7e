import type { ListActionExecutionsInput, ListActionExecutionsOutput } from '@aws-sdk/client-codepipeline';
import { BadInputError } from '../../core/errors';
import type { ActionExecutionsRequest } from '../../operations/action-executions';
import type { SluiceApi } from '../../operations/sluice-api';

/** The request in Sluice's shape; the model's required fields are checked here, naming them. */
function actionExecutionsRequest(input: ListActionExecutionsInput): ActionExecutionsRequest {
  const { pipelineName, filter, maxResults, nextToken } = input;
  if (!pipelineName) throw new BadInputError('ListActionExecutions needs pipelineName.');
  const latest = filter?.latestInPipelineExecution;
  if (latest && (!latest.pipelineExecutionId || !latest.startTimeRange)) {
    throw new BadInputError('filter.latestInPipelineExecution needs pipelineExecutionId and startTimeRange (Latest or All).');
  }
  if (latest && latest.startTimeRange !== 'Latest' && latest.startTimeRange !== 'All') {
    throw new BadInputError(`filter.latestInPipelineExecution.startTimeRange must be Latest or All, not "${String(latest.startTimeRange)}".`);
  }
  return {
    pipelineName,
    ...(filter
      ? {
          filter: {
            ...(filter.pipelineExecutionId ? { pipelineExecutionId: filter.pipelineExecutionId } : {}),
            ...(latest ? { latestInPipelineExecution: { pipelineExecutionId: latest.pipelineExecutionId!, startTimeRange: latest.startTimeRange! } } : {}),
          },
        }
      : {}),
    ...(maxResults !== undefined ? { maxResults } : {}),
    ...(nextToken !== undefined ? { nextToken } : {}),
  };
}

/** CodePipeline's action-execution history on the wire. */
export const ACTION_EXECUTION_OPERATIONS = {
  ListActionExecutions: async (api: SluiceApi, input: ListActionExecutionsInput): Promise<ListActionExecutionsOutput> => {
    const page = await api.listActionExecutions(actionExecutionsRequest(input));
    return {
      actionExecutionDetails: page.actionExecutionDetails.map((detail) => ({
        ...detail,
        startTime: new Date(detail.startTime),
        lastUpdateTime: new Date(detail.lastUpdateTime),
      })),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    };
  },
};
