import { BadInputError } from '../core/errors';
import type { ActionExecutionsRequest } from '../operations/action-executions';

/**
 * ListActionExecutions on `/api/pipelines/{name}/action-executions`, as a query:
 * `pipelineExecutionId`, with `startTimeRange` (Latest or All) when the filter is
 * latestInPipelineExecution, `maxResults` and `nextToken`.
 */
export function actionExecutionsQuery(request: ActionExecutionsRequest): string {
  const { filter, maxResults, nextToken } = request;
  const latest = filter?.latestInPipelineExecution;
  const pipelineExecutionId = latest?.pipelineExecutionId ?? filter?.pipelineExecutionId;
  const query = new URLSearchParams({
    ...(pipelineExecutionId ? { pipelineExecutionId } : {}),
    ...(latest ? { startTimeRange: latest.startTimeRange } : {}),
    ...(maxResults !== undefined ? { maxResults: String(maxResults) } : {}),
    ...(nextToken ? { nextToken } : {}),
  }).toString();
  return query ? `?${query}` : '';
}

/** The request a query stands for; an unknown startTimeRange or a range without an execution is refused. */
export function actionExecutionsRequestOf(pipelineName: string, query: Record<string, string | undefined>): ActionExecutionsRequest {
  const { pipelineExecutionId, startTimeRange, maxResults, nextToken } = query;
  if (startTimeRange !== undefined && startTimeRange !== 'Latest' && startTimeRange !== 'All') {
    throw new BadInputError(`startTimeRange must be Latest or All, not "${startTimeRange}".`);
  }
  if (startTimeRange && !pipelineExecutionId) throw new BadInputError('startTimeRange needs the pipelineExecutionId whose action executions it filters.');
  if (maxResults !== undefined && !/^\d+$/.test(maxResults)) throw new BadInputError(`maxResults must be a whole number, not "${maxResults}".`);
  const filter: ActionExecutionsRequest['filter'] = startTimeRange
    ? { latestInPipelineExecution: { pipelineExecutionId: pipelineExecutionId!, startTimeRange } }
    : pipelineExecutionId
      ? { pipelineExecutionId }
      : undefined;
  return {
    pipelineName,
    ...(filter ? { filter } : {}),
    ...(maxResults !== undefined ? { maxResults: Number(maxResults) } : {}),
    ...(nextToken ? { nextToken } : {}),
  };
}
