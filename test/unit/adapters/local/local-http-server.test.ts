import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { startLocalHttpServer, type LocalHttpServer } from '../../../../lib/adapters/local/local-http-server';
import { NotFoundError } from '../../../../lib/core/errors';
import type { Admission, HttpApi } from '../../../../lib/ports/http-api';

/** An HTTP API that records what it is handed, and answers with `answer`. */
function recordingApi(answer: (event: APIGatewayProxyEventV2) => Promise<unknown>, admission: Partial<Admission> = {}) {
  const handled: { event: APIGatewayProxyEventV2; context: Context }[] = [];
  const api: HttpApi = {
    admit: () => ({ authenticated: false, maxBodyBytes: 1024, large: false, ...admission }),
    handle: async (event, context) => {
      handled.push({ event, context });
      return (await answer(event)) as never;
    },
  };
  return { api, handled };
}

let server: LocalHttpServer | undefined;
const start = async (httpApi: HttpApi) => (server = await startLocalHttpServer({ httpApi, token: 'the-token' }));

afterEach(() => server?.close());

describe('the local HTTP server', () => {
  it("hands the request to the handler as API Gateway's HTTP API event, with a Lambda context of the same request id", async () => {
    const { api, handled } = recordingApi(async () => ({ statusCode: 201, headers: { 'content-type': 'text/plain' }, body: 'made' }));
    const { url } = await start(api);

    const response = await fetch(new URL('approvals/abc%20def?x=1&y=two', url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve',
    });

    expect(response.status).toBe(201);
    expect(await response.text()).toBe('made');
    const [{ event, context }] = handled as [(typeof handled)[number]];
    expect(event).toMatchObject({
      version: '2.0',
      rawPath: '/approvals/abc%20def',
      rawQueryString: 'x=1&y=two',
      queryStringParameters: { x: '1', y: 'two' },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=approve',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/approvals/abc%20def', sourceIp: '127.0.0.1' } },
    });
    expect(event.requestContext.requestId).toBe(context.awsRequestId);
  });

  it('refuses a request that needs credentials without the API token, and one its admission refuses, before the handler and the body', async () => {
    const needsToken = recordingApi(async () => ({ statusCode: 200, body: '{}' }), { authenticated: 'api' });
    const { url } = await start(needsToken.api);

    const refused = await fetch(new URL('api/pipelines', url), { headers: { 'x-sluice-token': 'another' } });
    const admitted = await fetch(new URL('api/pipelines', url), { headers: { 'x-sluice-token': 'the-token' } });
    await server!.close();
    const refusing = recordingApi(async () => ({ statusCode: 200, body: '{}' }), { refusal: new NotFoundError('No webhook at /webhooks/gitlab.') });
    const refusedByAdmission = await fetch(new URL('webhooks/gitlab', (await start(refusing.api)).url), { method: 'POST', body: 'x' });

    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'Sluice.Forbidden', message: 'Missing or wrong API token.' });
    expect(refused.headers.get('connection')).toBe('close');
    expect(admitted.status).toBe(200);
    expect(needsToken.handled).toHaveLength(1);
    expect(refusedByAdmission.status).toBe(404);
    expect(await refusedByAdmission.json()).toEqual({ error: 'Sluice.NotFound', message: 'No webhook at /webhooks/gitlab.' });
    expect(refusing.handled).toEqual([]);
  });

  it('answers 413 for a body larger than the path takes', async () => {
    const { api, handled } = recordingApi(async () => ({ statusCode: 200, body: '{}' }));
    const { url } = await start(api);

    const response = await fetch(new URL('executions/e-1', url), { method: 'POST', body: 'x'.repeat(2048) });

    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'Sluice.BadInput', message: expect.stringContaining('the most this path takes') });
    expect(handled).toEqual([]);
  });

  it('answers a failure of its own with a generic 500 and a request id, and writes the detail to its own stderr', async () => {
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { api } = recordingApi(async () => Promise.reject(new Error('ECONNREFUSED 10.0.0.7:4567 reading table sluice-local')));
      const { url } = await start(api);

      const response = await fetch(new URL('executions/e-1', url));
      const body = await response.text();

      expect(response.status).toBe(500);
      const { requestId } = JSON.parse(body);
      expect(JSON.parse(body)).toEqual({
        error: 'Sluice.InternalError',
        message: `The request failed; the server's log has the details under request id ${requestId}.`,
        requestId,
      });
      expect(body).not.toContain('10.0.0.7');
      expect(logged).toHaveBeenCalledWith(
        `GET /executions/e-1 failed (request id ${requestId}):`,
        expect.objectContaining({ message: expect.stringContaining('10.0.0.7') }),
      );
    } finally {
      logged.mockRestore();
    }
  });
});
