import { httpApi } from '../../../lib/api/http-api';
import type { ApprovalDependencies } from '../../../lib/execution/approvals';
import type { EventWait, SluiceApi } from '../../../lib/operations/sluice-api';
import { invoke } from '../../support/api-gateway-events';

/** An API that records how the route asked for events. */
function recordingApi(): { api: SluiceApi; asked: (EventWait | undefined)[] } {
  const asked: (EventWait | undefined)[] = [];
  const api = {
    listExecutionEvents: async (_id: string, wait?: EventWait) => {
      asked.push(wait);
      return [];
    },
  } as unknown as SluiceApi;
  return { api, asked };
}

const get = (api: SluiceApi, query: Record<string, string>) =>
  invoke(
    httpApi({ api: () => api, approvals: () => ({}) as ApprovalDependencies }, { log: { error: jest.fn() } }),
    'GET',
    `/api/executions/e-1/events?${new URLSearchParams(query)}`,
  );

describe('GET /api/executions/{id}/events', () => {
  it('lists every event without a query, and waits as the query says with one', async () => {
    const { api, asked } = recordingApi();

    await get(api, {});
    await get(api, { after: '7', waitSeconds: '20' });
    await get(api, { after: '3' });

    expect(asked).toEqual([undefined, { after: 7, waitMs: 20_000 }, { after: 3, waitMs: 0 }]);
  });

  it.each([
    [{ after: '-1' }, /after must be a whole number, not "-1"/],
    [{ after: 'x', waitSeconds: '1' }, /after must be a whole number/],
    [{ after: '0', waitSeconds: '1.5' }, /waitSeconds must be a whole number/],
    [{ after: '0', waitSeconds: '26' }, /waitSeconds may be at most 25/],
  ])('refuses %j with 400', async (query, message) => {
    const { api, asked } = recordingApi();

    const response = await get(api, query);

    expect(response.status).toBe(400);
    expect((response.body as { message: string }).message).toMatch(message);
    expect(asked).toEqual([]);
  });
});
