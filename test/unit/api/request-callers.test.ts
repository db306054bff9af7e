import { httpApi, type HttpApiDependencies } from '../../../lib/api/http-api';
import type { Caller } from '../../../lib/core/audit';
import type { ApprovalDependencies } from '../../../lib/execution/approvals';
import type { SluiceApi } from '../../../lib/operations/sluice-api';
import { apiGatewayEvent, lambdaContext } from '../../support/api-gateway-events';

/** The callers the API was asked for, one for each request, by an API that deletes and reads anything. */
function recordingCallers(options: Partial<HttpApiDependencies> = {}) {
  const callers: Caller[] = [];
  const api = { deletePipeline: async () => undefined, getPipelineExecution: async () => ({ execution: {}, stages: [], actions: [] }) } as unknown as SluiceApi;
  const http = httpApi(
    {
      api: (caller) => {
        callers.push(caller);
        return api;
      },
      approvals: () => ({}) as ApprovalDependencies,
      ...options,
    },
    { log: { error: jest.fn() } },
  );
  return { http, callers };
}

describe('the caller the HTTP API records an operation as done by', () => {
  it("is the IAM principal that API Gateway's authorization names, from the request's address", async () => {
    const { http, callers } = recordingCallers();
    const event = apiGatewayEvent('DELETE', '/api/pipelines/webapp');
    const authorized = {
      ...event,
      requestContext: { ...event.requestContext, authorizer: { iam: { userArn: 'arn:aws:iam::123456789012:user/ada' } } },
    };

    expect((await http.handle(authorized, lambdaContext())).statusCode).toBe(200);
    expect(callers).toEqual([{ who: 'arn:aws:iam::123456789012:user/ada', from: '192.0.2.1' }]);
  });

  it('is the local principal where no gateway names one: the user whose data dir holds the API token', async () => {
    const { http, callers } = recordingCallers({ localPrincipal: 'ada' });

    await http.handle(apiGatewayEvent('DELETE', '/api/pipelines/webapp'), lambdaContext());

    expect(callers).toEqual([{ who: 'ada', from: '192.0.2.1' }]);
  });

  it("is anyone with the link on an execution's page, which proves nothing of its reader", async () => {
    const { http, callers } = recordingCallers({ localPrincipal: 'ada' });

    await http.handle(apiGatewayEvent('GET', '/executions/e-1'), lambdaContext());

    expect(callers).toEqual([{ who: 'anyone with the link', from: '192.0.2.1' }]);
  });
});
