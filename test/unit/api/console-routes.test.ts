import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalHttpServer, type LocalHttpServer } from '../../../lib/adapters/local/local-http-server';
import { API_ROUTES } from '../../../lib/api/api-routes';
import type { ConsoleConfig } from '../../../lib/api/console-config';
import { httpApi, type HttpApiDependencies } from '../../../lib/api/http-api';
import type { Caller } from '../../../lib/core/audit';
import { NotFoundError } from '../../../lib/core/errors';
import type { ApprovalDependencies } from '../../../lib/execution/approvals';
import type { SluiceApi } from '../../../lib/operations/sluice-api';
import { apiGatewayEvent, lambdaContext } from '../../support/api-gateway-events';

const LOCAL: ConsoleConfig = { auth: { kind: 'local' }, live: 'sse' };
const POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x80]);

/** A built console: index.html and two hashed assets, with a secret beside the bundle that no path may reach. */
function builtConsole(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'sluice-console-bundle-'));
  const assetsDir = path.join(root, 'console');
  mkdirSync(path.join(assetsDir, 'assets'), { recursive: true });
  writeFileSync(path.join(assetsDir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-4f3a.js"></script>');
  writeFileSync(path.join(assetsDir, 'assets', 'index-4f3a.js'), 'console.log("sluice");');
  writeFileSync(path.join(assetsDir, 'assets', 'logo-9c1b.png'), PNG);
  writeFileSync(path.join(root, 'secret.txt'), 'the secret beside the bundle');
  return assetsDir;
}

const unusedApi = () => ({}) as SluiceApi;
const deps = (extra: Partial<HttpApiDependencies>): HttpApiDependencies => ({ api: unusedApi, approvals: () => ({}) as ApprovalDependencies, ...extra });

let server: LocalHttpServer | undefined;
afterEach(() => server?.close());

async function serving(extra: Partial<HttpApiDependencies>): Promise<string> {
  server = await startLocalHttpServer({ httpApi: httpApi(deps(extra), { log: { error: () => undefined } }), token: 'the-token' });
  return server.url;
}

/** A GET with its target sent exactly as given: fetch would resolve `..` before sending. */
function rawGet(url: string, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(new URL(url), { path: target }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => resolve({ status: answer.statusCode!, body: Buffer.concat(chunks).toString('utf8') }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe("the console's files", () => {
  it('serves the page uncached and the hashed assets as immutable, byte for byte, each with the console policy', async () => {
    const url = await serving({ console: { assetsDir: builtConsole(), config: LOCAL } });

    const page = await fetch(url);
    const script = await fetch(new URL('assets/index-4f3a.js', url));
    const image = await fetch(new URL('assets/logo-9c1b.png', url));
    const config = await fetch(new URL('console/config.json', url));

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/assets/index-4f3a.js');
    expect(Object.fromEntries(page.headers)).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    expect(await script.text()).toBe('console.log("sluice");');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(PNG);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(await config.json()).toEqual(LOCAL);
    for (const answer of [script, image, config]) expect(answer.headers.get('content-security-policy')).toBe(POLICY);
  });

  it.each([
    '/assets/..%2fsecret.txt',
    '/assets/%2e%2e%2fsecret.txt',
    '/assets/..%5csecret.txt',
    '/assets/../../secret.txt',
    '/assets/.%2e/secret.txt',
    '/assets/sub%2findex-4f3a.js',
    '/assets/.hidden',
  ])('refuses %s, which would reach outside assets/', async (target) => {
    const url = await serving({ console: { assetsDir: builtConsole(), config: LOCAL } });

    const answer = await rawGet(url, target);

    expect(answer.status).toBe(404);
    expect(answer.body).not.toContain('the secret');
  });

  it('says to run npm run build where the bundle is missing, and answers 404 for a file a built bundle lacks', async () => {
    const url = await serving({ console: { assetsDir: path.join(tmpdir(), 'sluice-no-console-here'), config: LOCAL } });
    const page = await fetch(url);
    const asset = await fetch(new URL('assets/index-4f3a.js', url));
    await server!.close();
    const built = await serving({ console: { assetsDir: builtConsole(), config: LOCAL } });
    const stale = await fetch(new URL('assets/index-0000.js', built));

    for (const answer of [page, asset]) {
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { message: string }).message).toMatch(
        /^The console is not built: .*sluice-no-console-here has no index\.html\. Run npm run build/,
      );
      expect(answer.headers.get('content-security-policy')).toBe(POLICY);
    }
    expect(stale.status).toBe(404);
    expect(((await stale.json()) as { message: string }).message).toContain('The console has no file assets/index-0000.js');
  });

  it('is not served where the API has no bundle', async () => {
    const url = await serving({});

    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(new URL('console/config.json', url))).status).toBe(404);
  });

  it("lets the page reach Cognito's domain and issuer where it signs in there", async () => {
    const config: ConsoleConfig = {
      auth: {
        kind: 'cognito',
        authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
        domain: 'sluice-prod.auth.eu-west-1.amazoncognito.com',
        clientId: 'client',
        scopes: ['openid'],
      },
      live: 'poll',
    };
    const api = httpApi(deps({ console: { assetsDir: builtConsole(), config } }), { log: { error: () => undefined } });

    const answer = await api.handle(apiGatewayEvent('GET', '/console/config.json'), lambdaContext());

    expect(JSON.parse(answer.body!)).toEqual(config);
    expect(answer.headers!['content-security-policy']).toContain(
      "connect-src 'self' https://sluice-prod.auth.eu-west-1.amazoncognito.com https://cognito-idp.eu-west-1.amazonaws.com;",
    );
  });
});

describe("the console's API", () => {
  it.each(API_ROUTES.map((route) => [route.method, route.path] as const))('serves %s %s under /console/api/ too', async (method, routePath) => {
    const reached = new NotFoundError('The operation was reached.');
    // Not a thenable: the routes await the API, which a runtime may load on first use.
    const api = new Proxy({}, { get: (_, name) => (name === 'then' ? undefined : async () => Promise.reject(reached)) }) as SluiceApi;
    const http = httpApi(deps({ api: () => api }), { log: { error: () => undefined } });
    const target = routePath.replace(/^\/api\//, '/console/api/').replace(/\{[^}]+\}/g, 'x');
    const body = method === 'GET' || method === 'DELETE' ? undefined : JSON.stringify({ pipeline: { name: 'x' }, tagKeys: [], resourceArn: 'arn' });

    const answer = await http.handle(apiGatewayEvent(method, target, body === undefined ? {} : { body }), lambdaContext());

    // Every route gets as far as the API, or refuses its body by name: none is missing.
    expect(JSON.parse(answer.body!).message).not.toMatch(/^Nothing at/);
  });

  it("records the console user a gateway's authorizer names as the caller: Cognito's username, or its subject", async () => {
    const callers: Caller[] = [];
    const api = (caller: Caller) => {
      callers.push(caller);
      return { startPipelineExecution: async () => ({ pipelineExecutionId: 'e-1' }) } as unknown as SluiceApi;
    };
    const http = httpApi(deps({ api }), { log: { error: () => undefined } });
    const authorized = (claims: Record<string, string>) => {
      const event = apiGatewayEvent('POST', '/console/api/pipelines/web/executions', { body: '{}' });
      return { ...event, requestContext: { ...event.requestContext, authorizer: { jwt: { claims, scopes: [] } } } };
    };

    await http.handle(authorized({ 'cognito:username': 'carol', sub: 'b1c2' }), lambdaContext());
    await http.handle(authorized({ sub: 'b1c2' }), lambdaContext());

    expect(callers).toEqual([
      { who: 'carol', from: '192.0.2.1' },
      { who: 'b1c2', from: '192.0.2.1' },
    ]);
  });
});
