import { BadInputError } from '../../../lib/core/errors';
import { httpApi } from '../../../lib/api/http-api';
import type { ApprovalDependencies } from '../../../lib/execution/approvals';
import { PipelineOperations, type OperationsDependencies } from '../../../lib/operations/pipeline-operations';
import type { SluiceApi, StopExecutionRequest } from '../../../lib/operations/sluice-api';
import { invoke } from '../../support/api-gateway-events';

const log = { error: jest.fn() };
/** The API's route, through the HTTP API's handler. */
const handleApiRequest = (api: SluiceApi, request: { method: string; path: string; body?: unknown }) =>
  invoke(httpApi({ api: () => api, approvals: () => ({}) as ApprovalDependencies }, { log }), request.method, request.path, request.body);
const stopRequest = (body?: unknown) => ({ method: 'POST', path: '/api/pipelines/web%20app/executions/abc-123/stop', body });

describe('POST /api/pipelines/{name}/executions/{id}/stop', () => {
  it('stops the execution with the reason given, where the API can stop executions', async () => {
    const stopPipelineExecution = jest.fn(async (request: StopExecutionRequest) => ({ pipelineExecutionId: request.pipelineExecutionId }));
    const api = { stopPipelineExecution } as unknown as SluiceApi;

    const response = await handleApiRequest(api, stopRequest({ reason: 'a bad commit' }));

    expect(response).toEqual({ status: 200, body: { pipelineExecutionId: 'abc-123' } });
    expect(stopPipelineExecution).toHaveBeenCalledWith({ pipelineName: 'web app', pipelineExecutionId: 'abc-123', reason: 'a bad commit' });
  });

  it('refuses a reason that is not a string', async () => {
    const api = { stopPipelineExecution: jest.fn() } as unknown as SluiceApi;

    const response = await handleApiRequest(api, stopRequest({ reason: 42 }));

    expect(response.status).toBe(400);
    expect(api.stopPipelineExecution).not.toHaveBeenCalled();
  });

  it('passes abandon on, and refuses one that is not a boolean', async () => {
    const stopPipelineExecution = jest.fn(async (request: StopExecutionRequest) => ({ pipelineExecutionId: request.pipelineExecutionId }));
    const api = { stopPipelineExecution } as unknown as SluiceApi;

    expect((await handleApiRequest(api, stopRequest({ abandon: true }))).status).toBe(200);
    expect(stopPipelineExecution).toHaveBeenCalledWith({ pipelineName: 'web app', pipelineExecutionId: 'abc-123', abandon: true });
    expect((await handleApiRequest(api, stopRequest({ abandon: 'yes' }))).status).toBe(400);
    expect(stopPipelineExecution).toHaveBeenCalledTimes(1);
  });

  it('answers 409, saying how to stop one, where executions run in the process that started them', async () => {
    const response = await handleApiRequest(new PipelineOperations({} as OperationsDependencies), stopRequest());

    expect(response).toEqual({ status: 409, body: { error: expect.any(String), message: expect.stringContaining('sluice run stops with Ctrl-C') } });
  });
});

describe('POST /api/prune', () => {
  const pruneRequest = (body?: unknown) => ({ method: 'POST', path: '/api/prune', body });

  it("prunes with the options given, where the API is a local installation's", async () => {
    const pruneExecutions = jest.fn(async () => ({ dryRun: true, policy: { keepDays: 90, keepExecutions: 3 }, pipelines: [], expiredDeliveries: 0 }));

    const response = await handleApiRequest({ pruneExecutions } as unknown as SluiceApi, pruneRequest({ keepExecutions: 3, dryRun: true }));

    expect(response).toEqual({ status: 200, body: { dryRun: true, policy: { keepDays: 90, keepExecutions: 3 }, pipelines: [], expiredDeliveries: 0 } });
    expect(pruneExecutions).toHaveBeenCalledWith({ keepExecutions: 3, dryRun: true });
  });

  it('answers 400 for options the installation refuses, and 409 where there is nothing local to prune', async () => {
    const pruneExecutions = jest.fn(async () => {
      throw new BadInputError('Bad prune options: keepDays: Too small');
    });

    expect((await handleApiRequest({ pruneExecutions } as unknown as SluiceApi, pruneRequest({ keepDays: 0 }))).status).toBe(400);
    expect((await handleApiRequest(new PipelineOperations({} as OperationsDependencies), pruneRequest())).status).toBe(409);
  });
});
