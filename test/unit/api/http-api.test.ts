import { S3Client } from '@aws-sdk/client-s3';
import { S3BlobLinks } from '../../../lib/adapters/aws/s3-blob-links';
import { startLocalHttpServer, type LocalHttpServer } from '../../../lib/adapters/local/local-http-server';
import { httpApi } from '../../../lib/api/http-api';
import { AccessDeniedError, SLUICE_ERRORS, type SluiceError } from '../../../lib/core/errors';
import type { ApprovalDependencies } from '../../../lib/execution/approvals';
import type { SluiceApi } from '../../../lib/operations/sluice-api';
import { BlobNotFoundError, type BlobStore, type S3Location } from '../../../lib/ports/blob-store';
import { apiGatewayEvent, invoke, lambdaContext } from '../../support/api-gateway-events';
import { EXAMPLE_ERRORS } from '../../support/catalogued-errors';
import { sigV4Headers } from '../../support/sigv4';

const TOKEN = 'the-token';

/** An API whose reads of an execution throw what `failure` gives. */
function failingApi(failure: () => unknown): SluiceApi {
  return { getPipelineExecution: async () => Promise.reject(failure()) } as unknown as SluiceApi;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** The same request, to the handler as Lambda calls it on AWS and to it behind the local server. */
async function bothSides(api: SluiceApi, path: string, method = 'GET'): Promise<{ aws: Answer; local: Answer; logged: unknown[][] }> {
  const logged: unknown[][] = [];
  const http = httpApi({ api: () => api, approvals: () => ({}) as ApprovalDependencies }, { log: { error: (...entry) => void logged.push(entry) } });
  const result = await http.handle(apiGatewayEvent(method, path, { headers: { 'x-sluice-token': TOKEN } }), lambdaContext('aws-request'));
  const aws = { status: result.statusCode!, headers: result.headers as Record<string, string>, body: JSON.parse(result.body!) };
  const server: LocalHttpServer = await startLocalHttpServer({ httpApi: http, token: TOKEN });
  try {
    const response = await fetch(new URL(path.slice(1), server.url), { method, headers: { 'x-sluice-token': TOKEN } });
    const local = { status: response.status, headers: Object.fromEntries(response.headers), body: (await response.json()) as Record<string, unknown> };
    return { aws, local, logged };
  } finally {
    await server.close();
  }
}

/** A body with its request id, which each side makes its own, replaced. */
const withoutRequestId = (body: Record<string, unknown>) => {
  const text = JSON.stringify(body);
  return typeof body.requestId === 'string' ? JSON.parse(text.replaceAll(body.requestId, '<request id>')) : body;
};

describe('the HTTP API on AWS and behind the local server', () => {
  const accessDenied = () =>
    new AccessDeniedError({ action: 'dynamodb:GetItem', resource: 'table/sluice', role: 'sluice-prod-api' }, { cause: new Error('denied') });

  it('answers an AccessDenied with 403 on both, with its message to a caller who authenticated', async () => {
    const { aws, local } = await bothSides(failingApi(accessDenied), '/api/executions/e-1');

    expect(aws).toMatchObject({ status: 403, body: { error: 'Sluice.AccessDenied', message: expect.stringContaining('Allow "dynamodb:GetItem"') } });
    expect(local.status).toBe(aws.status);
    expect(local.body).toEqual(aws.body);
  });

  it('answers an AccessDenied with 403 on both to anyone, saying only where the log has it, and logs the detail', async () => {
    const { aws, local, logged } = await bothSides(failingApi(accessDenied), '/executions/e-1');

    expect(aws).toMatchObject({
      status: 403,
      body: { error: 'Sluice.AccessDenied', requestId: 'aws-request', message: expect.stringContaining('request id aws-request') },
    });
    expect(JSON.stringify(aws.body)).not.toContain('sluice-prod-api');
    expect(local.status).toBe(403);
    expect(withoutRequestId(local.body)).toEqual(withoutRequestId(aws.body));
    expect(logged).toHaveLength(2);
    expect(logged[0]).toEqual(['Request failed', expect.objectContaining({ requestId: 'aws-request', error: expect.any(AccessDeniedError) })]);
  });

  it('answers an unexpected throw with a generic 500 and a request id on both, and logs it with its detail', async () => {
    const { aws, local, logged } = await bothSides(
      failingApi(() => new Error('ECONNREFUSED 10.0.0.7:4567')),
      '/api/executions/e-1',
    );

    expect(aws).toEqual({
      status: 500,
      headers: expect.objectContaining({ 'content-type': 'application/json', 'cache-control': 'no-store' }),
      body: {
        error: 'Sluice.InternalError',
        message: "The request failed; the server's log has the details under request id aws-request.",
        requestId: 'aws-request',
      },
    });
    expect(local.status).toBe(500);
    expect(withoutRequestId(local.body)).toEqual(withoutRequestId(aws.body));
    expect(JSON.stringify(local.body)).not.toContain('10.0.0.7');
    expect(logged.map(([, detail]) => (detail as { error: Error }).error.message)).toEqual(['ECONNREFUSED 10.0.0.7:4567', 'ECONNREFUSED 10.0.0.7:4567']);
    expect((logged[1]![1] as { requestId: string }).requestId).toBe(local.body.requestId);
  });

  it('answers 405 naming the methods a path takes, and 404 where there is nothing, on both', async () => {
    const wrongMethod = await bothSides({} as SluiceApi, '/api/prune', 'GET');
    const nothing = await bothSides({} as SluiceApi, '/api/nothing-here');

    expect(wrongMethod.aws).toMatchObject({
      status: 405,
      headers: { allow: 'POST' },
      body: { error: 'Sluice.MethodNotAllowed', message: '/api/prune allows POST.' },
    });
    expect(wrongMethod.local).toMatchObject({ status: 405, headers: { allow: 'POST' }, body: wrongMethod.aws.body });
    expect(nothing.aws).toMatchObject({ status: 404, body: { error: 'Sluice.NotFound', message: 'Nothing at /api/nothing-here.' } });
    expect(nothing.local).toMatchObject({ status: 404, body: nothing.aws.body });
  });
});

describe("the HTTP API's answer to each error of the catalogue", () => {
  it.each(SLUICE_ERRORS.map((type) => [type.traits.name, type.traits.status, type] as const))(
    '%s: %d, to a caller who authenticated and to anyone',
    async (_, status, type) => {
      const error: SluiceError = EXAMPLE_ERRORS.get(type)!();
      const http = httpApi({ api: () => failingApi(() => error), approvals: () => ({}) as ApprovalDependencies }, { log: { error: () => undefined } });

      const authenticated = await http.handle(apiGatewayEvent('GET', '/api/executions/e-1'), lambdaContext());
      const anyone = await http.handle(apiGatewayEvent('GET', '/executions/e-1'), lambdaContext());

      expect(authenticated.statusCode).toBe(status);
      expect(JSON.parse(authenticated.body!)).toMatchObject({ error: type.traits.name, message: error.message });
      expect(anyone.statusCode).toBe(status);
      expect(JSON.parse(anyone.body!).message === error.message).toBe(type.traits.expose);
    },
  );
});

describe("the HTTP API's dependencies", () => {
  it('are made only for the routes that use them: on Lambda, making one reads variables that another route may lack', async () => {
    const api = jest.fn(() => {
      throw new Error('The environment variable STATE_MACHINE_LOG_GROUP_ARN is not set.');
    });
    const approvals = jest.fn(() => ({ approvals: { getApproval: async () => undefined } }) as unknown as ApprovalDependencies);
    const http = httpApi({ api, approvals }, { log: { error: () => undefined } });

    const page = await http.handle(apiGatewayEvent('GET', `/approvals/${'a'.repeat(20)}`), lambdaContext());

    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('This approval link is not valid');
    expect(approvals).toHaveBeenCalled();
    expect(api).not.toHaveBeenCalled();
  });
});

describe("CodePipeline's protocol at POST /", () => {
  const credentials = { accessKeyId: 'SLUITESTKEY', secretAccessKey: 'test-secret' };

  async function call(api: SluiceApi, options: { callers?: 'signature' | 'gateway' | 'none'; signedWith?: typeof credentials } = {}) {
    const callers = options.callers ?? 'signature';
    const logged: unknown[][] = [];
    const http = httpApi(
      {
        api: () => api,
        approvals: () => ({}) as ApprovalDependencies,
        ...(callers === 'none'
          ? {}
          : { codePipelineCallers: callers === 'gateway' ? { verify: 'gateway' } : { verify: 'signature', credentials: async () => credentials } }),
      },
      { log: { error: (...entry) => void logged.push(entry) } },
    );
    const body = '{}';
    const headers = await sigV4Headers({
      method: 'POST',
      host: 'sluice.example.com',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodePipeline_20150709.ListPipelines' },
      body,
      credentials: options.signedWith ?? credentials,
      service: 'codepipeline',
      region: 'sa-east-1',
    });
    const result = await http.handle(apiGatewayEvent('POST', '/', { headers, body }), lambdaContext('wire-request'));
    return { status: result.statusCode!, headers: result.headers as Record<string, string>, body: JSON.parse(result.body!) as Record<string, unknown>, logged };
  }

  it('answers a call signed with the installation credentials, in any region', async () => {
    const answer = await call({ listPipelines: async () => ({ items: [] }) } as unknown as SluiceApi);

    expect(answer).toMatchObject({ status: 200, body: { pipelines: [] }, headers: { 'x-amzn-requestid': 'wire-request' } });
  });

  it('answers a failure it did not expect with InternalFailure and the request id, and logs the detail', async () => {
    const answer = await call({ listPipelines: async () => Promise.reject(new Error('table sluice-prod gone')) } as unknown as SluiceApi);

    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ __type: 'InternalFailure', message: expect.stringContaining('wire-request') });
    expect(JSON.stringify(answer.body)).not.toContain('sluice-prod');
    expect(answer.logged).toHaveLength(1);
  });

  it('is not served where no credentials are given to verify signatures with', async () => {
    expect((await call({} as SluiceApi, { callers: 'none' })).status).toBe(404);
  });

  it('refuses a call signed with other credentials where it verifies signatures itself', async () => {
    const answer = await call({ listPipelines: async () => ({ items: [] }) } as unknown as SluiceApi, {
      signedWith: { ...credentials, secretAccessKey: 'guess' },
    });

    expect(answer).toMatchObject({ status: 403, body: { __type: 'InvalidSignatureException' } });
  });

  it("on AWS answers the call that API Gateway's IAM authorization let through, whatever it was signed for", async () => {
    const api = { listPipelines: async () => ({ items: [] }) } as unknown as SluiceApi;
    const answer = await call(api, { callers: 'gateway', signedWith: { accessKeyId: 'AKIAIAMUSER', secretAccessKey: 'known to IAM only' } });

    expect(answer).toMatchObject({ status: 200, body: { pipelines: [] } });
  });
});

describe("an execution's artifact where the server cannot stream (API Gateway on AWS)", () => {
  const location = { bucketName: 'sluice-artifacts', objectKey: 'app/Build/abc.zip' };
  const signedAt = new Date('2026-12-06T01:00:00.000Z');
  const execution = {
    execution: { pipelineExecutionId: 'e-1' },
    actions: [
      {
        actionName: 'Source',
        output: { outputArtifacts: [{ name: 'Source', s3location: { bucketName: 'sluice-artifacts', objectKey: 'app/Source/a.zip' } }] },
      },
      { actionName: 'Build', output: { outputArtifacts: [{ name: 'Build', s3location: location }] } },
      { actionName: 'Approve' },
    ],
  };
  const api = { getPipelineExecution: async () => execution } as unknown as SluiceApi;
  // Presigning is done offline, with the client's credentials; the object is looked at first.
  const s3 = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  const heads: S3Location[] = [];
  const storedOnly = (stored: S3Location[]) =>
    ({
      head: async (asked: S3Location) => {
        heads.push(asked);
        if (!stored.some((object) => object.objectKey === asked.objectKey)) throw new BlobNotFoundError(asked);
        return {};
      },
    }) as unknown as BlobStore;
  const linking = (stored: S3Location[]) =>
    httpApi(
      {
        api: () => api,
        approvals: () => ({}) as ApprovalDependencies,
        artifactLinks: () => ({ blobs: storedOnly(stored), links: new S3BlobLinks(s3, () => signedAt) }),
      },
      { log: { error: () => undefined } },
    );
  beforeEach(() => void heads.splice(0));

  it.each(['/console/api', '/api'])(
    'answers %s/executions/{id}/artifacts/{name} with a presigned GetObject URL of that object, for 5 minutes, saved as <name>.zip',
    async (prefix) => {
      const { status, body } = await invoke(linking([location]), 'GET', `${prefix}/executions/e-1/artifacts/Build`);

      expect(status).toBe(200);
      expect(body.expiresAt).toBe('2026-12-06T01:05:00.000Z');
      const url = new URL(body.url as string);
      expect(`${url.origin}${url.pathname}`).toBe('https://sluice-artifacts.s3.eu-west-1.amazonaws.com/app/Build/abc.zip');
      expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
      expect(url.searchParams.get('X-Amz-Date')).toBe('20261206T010000Z');
      expect(url.searchParams.get('response-content-disposition')).toBe('attachment; filename="Build.zip"');
      expect(heads).toEqual([location]);
    },
  );

  it('answers 404 naming the artifacts the execution has, for one it has not', async () => {
    const { status, body } = await invoke(linking([location]), 'GET', '/console/api/executions/e-1/artifacts/Test');

    expect(status).toBe(404);
    expect(body.message).toBe('Execution e-1 has no output artifact Test. Its output artifacts: Build, Source.');
    expect(heads).toEqual([]);
  });

  it('answers 404 saying the zip is gone, with no link, for an artifact that is no longer stored', async () => {
    const { status, body } = await invoke(linking([]), 'GET', '/console/api/executions/e-1/artifacts/Build');

    expect(status).toBe(404);
    expect(body.message).toBe('The artifact Build of execution e-1 is no longer stored: the retention policy or sluice prune removed it.');
    expect(body).not.toHaveProperty('url');
  });

  it('is not served where the server streams the zips itself', async () => {
    const http = httpApi({ api: () => api, approvals: () => ({}) as ApprovalDependencies }, { log: { error: () => undefined } });
    const { status, body } = await invoke(http, 'GET', '/api/executions/e-1/artifacts/Build');

    expect(status).toBe(404);
    expect(body.message).toBe('Nothing at /api/executions/e-1/artifacts/Build.');
  });
});
