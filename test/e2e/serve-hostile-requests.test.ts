import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readDataDirOwner } from '../../lib/adapters/local/data-dir-lock';
import { createPipeline, killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { commandsOnSource, gitSourceStage } from '../support/declarations';

jest.setTimeout(90_000);

let dataDir: string;
let serve: RunningCli;
let port: number;
let apiToken: string;
let secret: string;
let executionId: string;
/** The path of the approval link, `/approvals/{id}`. */
let approvalPath: string;

const loopbackHost = () => `127.0.0.1:${port}`;
const LONG_ID = 'a'.repeat(10_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over its own connection, with exactly the headers given (Host included). */
function send(method: string, target: string, headers: Record<string, string> = {}, body?: string, toPort = port): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: toPort, method, path: target, agent: false, headers: { host: loopbackHost(), ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const signature = (body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const PING = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
const pingHeaders = (delivery: string) => ({
  'content-type': 'application/json',
  'x-github-event': 'ping',
  'x-github-delivery': delivery,
  'x-hub-signature-256': signature(PING),
});

async function nonce(): Promise<string> {
  const page = await send('GET', approvalPath);
  expect(page.status).toBe(200);
  return /name="nonce" value="([^"]+)"/.exec(page.body)![1]!;
}

function reviewAction() {
  const state = JSON.parse(sluice(['status', 'gated', '--data-dir', dataDir, '--json']).stdout);
  return state.stageStates[1].actionStates[0].latestExecution as { status: string; token?: string };
}

/**
 * Writes a request's head by hand over a socket, with no body, and collects what the server
 * sends until `until` matches it or the server closes the connection.
 */
function rawRequest(head: string, until: RegExp = /$^/): Promise<{ received: string; closed: boolean; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (until.test(received)) resolve({ received, closed: false, socket });
    });
    socket.on('end', () => resolve({ received, closed: true, socket }));
    socket.on('error', reject);
    // A server that waits for the body would leave this hanging; give up and say what came.
    socket.setTimeout(10_000, () => {
      socket.destroy();
      resolve({ received, closed: false, socket });
    });
    socket.write(`${head.replace(/\n/g, '\r\n')}\r\n\r\n`);
  });
}

const webhookHead = (contentLength: number, headers: string[]) =>
  [
    `POST /webhooks/github HTTP/1.1`,
    `Host: ${loopbackHost()}`,
    'Content-Type: application/json',
    'X-GitHub-Event: push',
    'X-GitHub-Delivery: 2d7a3b0c-5f1e-4f5e-9c1a-0d9e8b7a6c5f',
    `Content-Length: ${contentLength}`,
    ...headers,
  ].join('\n');

/** A new data dir with the pipeline `gated`: a source, a Manual approval, then a command. */
function gatedDataDir(): string {
  const directory = mkdtempSync(path.join(tmpdir(), 'sluice-hostile-'));
  const repository = gitRepository({ 'app.txt': 'v1' });
  createPipeline(directory, {
    name: 'gated',
    stages: [
      gitSourceStage(repository.dir),
      { name: 'Gate', actions: [{ name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
      { name: 'Ship', actions: [commandsOnSource('Echo', ['echo shipped'])] },
    ],
  });
  return directory;
}

beforeAll(async () => {
  dataDir = gatedDataDir();
  secret = sluice(['webhook-secret', '--data-dir', dataDir]).stdout.trim();
  serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
  port = Number((await serve.waitFor(/serving .* at http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  apiToken = (await readDataDirOwner(dataDir))!.api!.token;
  const started = sluice(['start-pipeline-execution', 'gated', '--data-dir', dataDir]);
  expect(started.code).toBe(0);
  executionId = started.stdout.trim();
  approvalPath = new URL((await serve.waitFor(/waiting for approval: (http\S+)/))[1]!).pathname;
});

afterAll(async () => {
  await serve.interrupt();
  killStartedSluice();
});

describe('sluice serve against requests a web page or a hostile client can make', () => {
  it('refuses a foreign Host on every route with 421, deciding and revealing nothing, and answers to its loopback names', async () => {
    const foreign = { host: `rebound.attacker.example:${port}` };
    const pageNonce = await nonce();
    const refused = await Promise.all([
      send('GET', '/api/pipelines', { ...foreign, 'x-sluice-token': apiToken }),
      send('POST', '/api/pipelines/gated/executions', { ...foreign, 'x-sluice-token': apiToken, 'content-type': 'application/json' }, '{}'),
      send('GET', approvalPath, foreign),
      send('POST', approvalPath, { ...foreign, ...FORM }, form({ nonce: pageNonce, decision: 'approve', approver: 'attacker' })),
      send('GET', `/executions/${executionId}`, foreign),
      send('GET', `/executions/${executionId}/logs`, foreign),
      send('POST', '/webhooks/github', { ...foreign, ...pingHeaders('foreign-host') }, PING),
      send('GET', '/', { host: 'localhost:1' }),
    ]);

    for (const answer of refused) {
      expect(answer.status).toBe(421);
      expect(JSON.parse(answer.body).message).toContain(`answers to 127.0.0.1:${port}, localhost:${port}, [::1]:${port}`);
      expect(answer.body).not.toContain(pageNonce);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(reviewAction().status).toBe('InProgress');
    expect(sluice(['executions', 'gated', '--data-dir', dataDir, '--json']).stdout.match(/pipelineExecutionId/g)).toHaveLength(1);
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`])
      expect((await send('GET', `/executions/${executionId}`, { host })).status).toBe(200);
  });

  it("refuses a state-changing request from another origin's page with 403: approval, API and webhook", async () => {
    const pageNonce = await nonce();
    const decide = form({ nonce: pageNonce, decision: 'approve', approver: 'attacker' });
    const answers = await Promise.all([
      send('POST', approvalPath, { ...FORM, origin: 'https://attacker.example' }, decide),
      send('POST', approvalPath, { ...FORM, origin: 'null' }, decide),
      send('POST', approvalPath, { ...FORM, origin: `http://localhost:${port + 1}` }, decide),
      send('POST', approvalPath, { ...FORM, 'sec-fetch-site': 'cross-site' }, decide),
      send('POST', approvalPath, { ...FORM, 'sec-fetch-site': 'same-site' }, decide),
      send(
        'POST',
        '/api/pipelines/gated/executions',
        { origin: 'https://attacker.example', 'x-sluice-token': apiToken, 'content-type': 'application/json' },
        '{}',
      ),
      send('POST', '/webhooks/github', { origin: 'https://attacker.example', ...pingHeaders('cross-origin') }, PING),
    ]);

    for (const answer of answers) {
      expect(answer.status).toBe(403);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(JSON.parse(answers[0]!.body).message).toContain('https://attacker.example are refused');
    expect(reviewAction().status).toBe('InProgress');
    expect(sluice(['executions', 'gated', '--data-dir', dataDir, '--json']).stdout.match(/pipelineExecutionId/g)).toHaveLength(1);
    // Reading is not changing: a GET from another origin is answered, with no CORS header to let the page read it.
    const read = await send('GET', `/executions/${executionId}`, { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a non-ASCII API token or nonce of the right length with 403, not 500', async () => {
    const token = await send('GET', '/api/pipelines', { 'x-sluice-token': 'ü'.repeat(apiToken.length) });
    const pageNonce = await nonce();
    const forged = await send('POST', approvalPath, FORM, form({ nonce: 'ü'.repeat(pageNonce.length), decision: 'approve', approver: 'attacker' }));

    expect(token.status).toBe(403);
    expect(JSON.parse(token.body).message).toBe('Missing or wrong API token.');
    expect(forged.status).toBe(403);
    expect(forged.body).toContain('This approval link is not valid');
    expect(reviewAction().status).toBe('InProgress');
  });

  it('answers malformed percent-encoding with 400', async () => {
    const answers = await Promise.all([
      send('GET', '/executions/%E0%A4%A'),
      send('GET', '/executions/%ZZ/logs'),
      send('GET', '/api/pipelines/%E0%A4%A', { 'x-sluice-token': apiToken }),
      send('GET', '/api/executions/%/events', { 'x-sluice-token': apiToken }),
    ]);

    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).message).toContain('malformed percent-encoding');
    }
  });

  it('answers names and ids of 10,000 characters with 400 or 404, and not from the store', async () => {
    const token = { 'x-sluice-token': apiToken };
    const answers = await Promise.all([
      send('GET', `/executions/${LONG_ID}`),
      send('GET', `/executions/${LONG_ID}/logs`),
      send('GET', `/api/executions/${LONG_ID}`, token),
      send('GET', `/api/pipelines/${LONG_ID}/executions`, token),
      send('POST', `/api/pipelines/gated/executions/${LONG_ID}/stop`, { ...token, 'content-type': 'application/json' }, '{}'),
    ]);
    const approval = await send('GET', `/approvals/${LONG_ID}`);
    const delivery = await send('POST', '/webhooks/github', { ...pingHeaders(LONG_ID) }, PING);

    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).message).toContain('10000 characters long');
    }
    expect(approval.status).toBe(404);
    expect(delivery.status).toBe(400);
    expect(JSON.parse(delivery.body).message).toContain('X-GitHub-Delivery is longer than');
  });

  it('shows no approval token, nonce or id on the execution page; the API, with its token, still gives the token', async () => {
    const approvalId = approvalPath.split('/').pop()!;
    const { token } = reviewAction();
    const pageNonce = await nonce();
    const page = await send('GET', `/executions/${executionId}`);
    const api = await send('GET', `/api/executions/${executionId}`, { 'x-sluice-token': apiToken });

    expect(page.status).toBe(200);
    expect(JSON.parse(page.body).actions.find((action: { actionName: string }) => action.actionName === 'Review')).toMatchObject({ status: 'InProgress' });
    for (const secretValue of [approvalId, token!, pageNonce]) expect(page.body).not.toContain(secretValue);
    expect(api.body).toContain(token!);
  });

  it('answers a webhook without a signature header, or with a malformed one, from its headers alone, and closes the connection', async () => {
    const unsigned = await rawRequest(webhookHead(20_000_000, []));
    const malformed = await rawRequest(webhookHead(20_000_000, ['X-Hub-Signature-256: sha1=0123456789abcdef0123456789abcdef01234567']));
    const tooLarge = await rawRequest(webhookHead(26 * 1024 * 1024, [`X-Hub-Signature-256: sha256=${'0'.repeat(64)}`]));

    expect(unsigned.received).toMatch(/^HTTP\/1\.1 401 /);
    expect(unsigned.received).toContain('X-Hub-Signature-256 is missing');
    expect(malformed.received).toMatch(/^HTTP\/1\.1 401 /);
    expect(malformed.received).toContain("is not in GitHub's form");
    expect(tooLarge.received).toMatch(/^HTTP\/1\.1 413 /);
    for (const answer of [unsigned, malformed, tooLarge]) {
      expect(answer.closed).toBe(true);
      expect(answer.received).not.toContain('100 Continue');
    }
  });

  it('reads a large webhook body only within its budget of in-flight bytes, and answers 503 with Retry-After beyond it', async () => {
    const wellFormed = [`X-Hub-Signature-256: sha256=${'0'.repeat(64)}`, 'Expect: 100-continue'];
    // The server says 100 Continue once it has room for the body and is about to read it.
    const reading = await rawRequest(webhookHead(25 * 1024 * 1024, wellFormed), /100 Continue\r\n\r\n/);
    const beyond = await rawRequest(webhookHead(24 * 1024 * 1024, wellFormed));
    const small = await send('POST', '/webhooks/github', pingHeaders('beside-a-large-body'), PING);
    reading.socket.destroy();
    let admitted: Awaited<ReturnType<typeof rawRequest>> | undefined;
    // Once the first connection is gone, its bytes are given back, as soon as the server sees it close.
    for (let attempt = 0; attempt < 50 && !admitted?.received.includes('100 Continue'); attempt += 1) {
      admitted?.socket.destroy();
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      admitted = await rawRequest(webhookHead(24 * 1024 * 1024, wellFormed), /100 Continue\r\n\r\n/);
    }
    admitted!.socket.destroy();

    expect(reading.received).toMatch(/^HTTP\/1\.1 100 Continue/);
    expect(beyond.received).toMatch(/^HTTP\/1\.1 503 /);
    expect(beyond.received).toMatch(/\r\nretry-after: 10\r\n/i);
    expect(beyond.closed).toBe(true);
    expect(small.status).toBe(200);
    expect(JSON.parse(small.body).message).toBe('pong');
    expect(admitted!.received).toMatch(/^HTTP\/1\.1 100 Continue/);
  });

  it("decides the approval by a POST from its own page, whose Origin is the server's", async () => {
    const approved = await send(
      'POST',
      approvalPath,
      { ...FORM, origin: `http://${loopbackHost()}`, 'sec-fetch-site': 'same-origin' },
      form({ nonce: await nonce(), decision: 'approve', approver: 'Ada' }),
    );

    expect(approved.status).toBe(200);
    expect(approved.headers['referrer-policy']).toBe('same-origin');
    expect(reviewAction().status).toBe('Succeeded');
  });
});

describe('sluice serve --public-url, behind a proxy or a tunnel', () => {
  it('refuses a URL that is not http or https, with exit 2', () => {
    const refused = sluice(['serve', '--public-url', 'ftp://sluice.example.com/', '--data-dir', mkdtempSync(path.join(tmpdir(), 'sluice-hostile-'))]);

    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--public-url must be an http or https URL');
  });

  it('links to the public URL, answers to its host, and takes a decision from a page of its origin', async () => {
    const publicDataDir = gatedDataDir();
    const proxied = startSluice(['serve', '--port', '0', '--quiet', '--public-url', 'https://sluice.example.com', '--data-dir', publicDataDir]);
    try {
      const proxiedPort = Number((await proxied.waitFor(/serving .* at http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
      expect((await proxied.waitFor(/GitHub webhook: (\S+)/))[1]).toBe('https://sluice.example.com/webhooks/github');
      expect(sluice(['start-pipeline-execution', 'gated', '--data-dir', publicDataDir]).code).toBe(0);
      const link = (await proxied.waitFor(/waiting for approval: (http\S+)/))[1]!;
      expect(link).toMatch(/^https:\/\/sluice\.example\.com\/approvals\/[\w-]+$/);
      const proxy = { host: 'sluice.example.com' };
      const linkPath = new URL(link).pathname;

      const page = await send('GET', linkPath, proxy, undefined, proxiedPort);
      const pageNonce = /name="nonce" value="([^"]+)"/.exec(page.body)![1]!;
      const fromHttp = await send(
        'POST',
        linkPath,
        { ...proxy, ...FORM, origin: 'http://sluice.example.com' },
        form({ nonce: pageNonce, decision: 'approve' }),
        proxiedPort,
      );
      const foreign = await send('GET', linkPath, { host: 'rebound.attacker.example' }, undefined, proxiedPort);
      const approved = await send(
        'POST',
        linkPath,
        { ...proxy, ...FORM, origin: 'https://sluice.example.com' },
        form({ nonce: pageNonce, decision: 'approve', approver: 'Ada' }),
        proxiedPort,
      );

      expect(page.status).toBe(200);
      expect(fromHttp.status).toBe(403);
      expect(foreign.status).toBe(421);
      expect(JSON.parse(foreign.body).message).toContain(
        `answers to 127.0.0.1:${proxiedPort}, localhost:${proxiedPort}, [::1]:${proxiedPort}, sluice.example.com,`,
      );
      expect(approved.status).toBe(200);
      expect(approved.body).toContain('Approved');
    } finally {
      await proxied.interrupt();
    }
  });
});
