import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { CodePipelineClient, ListPipelinesCommand } from '@aws-sdk/client-codepipeline';
import { httpApi } from '../../lib/api/http-api';
import { verifyRequestSignature } from '../../lib/api/request-signature';
import type { ApprovalDependencies } from '../../lib/execution/approvals';
import type { SluiceApi } from '../../lib/operations/sluice-api';
import { apiGatewayEvent, lambdaContext } from '../support/api-gateway-events';

/** The IAM user's keys: only "IAM" (the stand-in below) knows the secret; the handler never sees it. */
const iamUser = { accessKeyId: 'AKIAIAMUSEREXAMPLE01', secretAccessKey: 'iam-user-secret-key-example-000000000000' };

/**
 * The stack's HTTP API as a client meets it: a route that, like API Gateway's IAM authorization,
 * admits only requests signed for `execute-api` by a key IAM knows, then hands them to the
 * Lambda handler with `POST /` served as on AWS.
 */
function iamAuthorizedGateway(api: SluiceApi): Server {
  const handler = httpApi({ api: () => api, approvals: () => ({}) as ApprovalDependencies, codePipelineCallers: { verify: 'gateway' } }, { log: console });
  return createServer(async (request, response) => {
    const body = await text(request);
    const verdict = await verifyRequestSignature(
      {
        method: request.method!,
        path: request.url!,
        query: '',
        headers: request.headers,
        payloadHash: createHash('sha256').update(body).digest('hex'),
      },
      { credentials: iamUser, service: 'execute-api', now: new Date() },
    );
    if (!verdict.accepted) {
      response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Forbidden' }));
      return;
    }
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    const result = await handler.handle(apiGatewayEvent(request.method!, request.url!, { headers, body }), lambdaContext('aws-request'));
    response.writeHead(result.statusCode!, result.headers as Record<string, string>).end(result.body);
  });
}

describe("CodePipeline's protocol on the AWS stack, signed for execute-api as the README shows", () => {
  const api = { listPipelines: async () => ({ items: [] }) } as unknown as SluiceApi;
  let gateway: Server;
  let endpoint: string;

  beforeAll(async () => {
    gateway = iamAuthorizedGateway(api);
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => gateway.close(resolve)));

  const client = (signingName?: string) =>
    new CodePipelineClient({ endpoint, region: 'eu-west-1', credentials: iamUser, maxAttempts: 1, ...(signingName ? { signingName } : {}) });

  it('answers @aws-sdk/client-codepipeline configured with signingName execute-api', async () => {
    const answer = await client('execute-api').send(new ListPipelinesCommand({}));

    expect(answer.pipelines).toEqual([]);
  });

  it('is refused by IAM to a client that signs for codepipeline, as the aws CLI does', async () => {
    await expect(client().send(new ListPipelinesCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });

  // The gateway runs in this process: the client runs alongside, not blocking it.
  it("answers boto3 with the README's before-call hook", async () => {
    const script = [
      'import boto3, sys',
      "client = boto3.client('codepipeline', endpoint_url=sys.argv[1], region_name='eu-west-1', aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])",
      "client.meta.events.register('before-call.codepipeline', lambda context, **_: context.setdefault('signing', {}).update(signing_name='execute-api'))",
      "print(client.list_pipelines()['pipelines'])",
    ].join('\n');
    const { stdout } = await promisify(execFile)('python3', ['-c', script, endpoint, iamUser.accessKeyId, iamUser.secretAccessKey]);

    expect(stdout.trim()).toBe('[]');
  });
});
