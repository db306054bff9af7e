import { startLocalHttpServer, type LocalHttpServer } from '../../../../lib/adapters/local/local-http-server';
import type { ApprovalDependencies } from '../../../../lib/execution/approvals';
import type { SluiceApi } from '../../../../lib/operations/sluice-api';

let server: LocalHttpServer;
const failing = { getPipelineExecution: async () => Promise.reject(new Error('ECONNREFUSED 10.0.0.7:4567 reading table sluice-local')) } as unknown as SluiceApi;

beforeAll(async () => {
  server = await startLocalHttpServer({ api: failing, token: 'the-token', approvals: {} as ApprovalDependencies });
});

afterAll(() => server.close());

describe('the local HTTP server when a request fails inside', () => {
  it('answers 500 "internal error" with no detail, and writes the detail to its own stderr', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const response = await fetch(new URL('executions/e-1', server.url));
      const body = await response.text();

      expect(response.status).toBe(500);
      expect(JSON.parse(body)).toEqual({ error: 'Sluice.InternalError', message: 'Internal error; the output of sluice serve has the details.' });
      expect(body).not.toContain('10.0.0.7');
      expect(logged).toHaveBeenCalledWith('GET /executions/e-1 failed:', expect.objectContaining({ message: expect.stringContaining('10.0.0.7') }));
    } finally {
      logged.mockRestore();
    }
  });
});
