import { actionExecutionsQuery, actionExecutionsRequestOf } from '../../../lib/api/action-executions-query';
import { httpApi } from '../../../lib/api/http-api';
import type { ApprovalDependencies } from '../../../lib/execution/approvals';
import type { ActionExecutionsRequest } from '../../../lib/operations/action-executions';
import type { SluiceApi } from '../../../lib/operations/sluice-api';
import { invoke } from '../../support/api-gateway-events';

const queryOf = (text: string) => Object.fromEntries(new URLSearchParams(text.replace(/^\?/, '')));

describe('the ListActionExecutions query of /api', () => {
  it.each<[string, ActionExecutionsRequest]>([
    ['no filter', { pipelineName: 'webapp' }],
    ['an execution', { pipelineName: 'webapp', filter: { pipelineExecutionId: 'e-1' }, maxResults: 5 }],
    ['the latest in an execution', { pipelineName: 'webapp', filter: { latestInPipelineExecution: { pipelineExecutionId: 'e-1', startTimeRange: 'Latest' } } }],
    ['a page after the first', { pipelineName: 'webapp', maxResults: 1, nextToken: 'abc+/=' }],
  ])('carries %s there and back', (_, request) => {
    expect(actionExecutionsRequestOf('webapp', queryOf(actionExecutionsQuery(request)))).toEqual(request);
  });

  it('is empty for a request with nothing but the pipeline', () => {
    expect(actionExecutionsQuery({ pipelineName: 'webapp' })).toBe('');
  });

  it.each([
    [{ startTimeRange: 'Newest', pipelineExecutionId: 'e-1' }, 'startTimeRange must be Latest or All, not "Newest"'],
    [{ startTimeRange: 'All' }, 'startTimeRange needs the pipelineExecutionId'],
    [{ maxResults: 'ten' }, 'maxResults must be a whole number, not "ten"'],
  ])('refuses %j, saying what is wrong', (query, message) => {
    expect(() => actionExecutionsRequestOf('webapp', query)).toThrow(message);
  });
});

describe('GET /api/pipelines/{name}/action-executions', () => {
  const log = { error: jest.fn() };

  it('lists through the API, the pipeline name decoded and the query read', async () => {
    const listActionExecutions = jest.fn(async () => ({ actionExecutionDetails: [] }));
    const api = httpApi({ api: () => ({ listActionExecutions }) as unknown as SluiceApi, approvals: () => ({}) as ApprovalDependencies }, { log });

    const response = await invoke(api, 'GET', '/api/pipelines/web%20app/action-executions?pipelineExecutionId=e-1&maxResults=2');

    expect(response).toEqual({ status: 200, body: { actionExecutionDetails: [] } });
    expect(listActionExecutions).toHaveBeenCalledWith({ pipelineName: 'web app', filter: { pipelineExecutionId: 'e-1' }, maxResults: 2 });
  });
});
