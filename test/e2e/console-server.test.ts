import { mkdtempSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { fromBuffer, type Entry } from 'yauzl';
import { readDataDirOwner } from '../../lib/adapters/local/data-dir-lock';
import type { PipelineEvent } from '../../lib/core/events';
import { createPipeline, killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(120_000);

interface Grant {
  token: string;
  csrfToken: string;
  principal: string;
  expiresAt: string;
}

let dataDir: string;
let serve: RunningCli;
let base: string;

/** Signs in as the page does: a link from `sluice console --no-open`, its code traded for a session. */
async function signIn(): Promise<Grant> {
  const printed = sluice(['console', '--no-open', '--data-dir', dataDir]);
  expect(printed.code).toBe(0);
  const code = new URL(printed.stdout.trim()).hash.replace('#sign-in=', '');
  const answer = await redeem(code);
  expect(answer.status).toBe(201);
  return (await answer.json()) as Grant;
}

const redeem = (code: string, headers: Record<string, string> = {}) =>
  fetch(new URL('/console/sessions', base), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ code }) });

/** A console request with the session's headers: the token always, the CSRF token where the method changes anything. */
const asConsole = (grant: Grant, route: string, init: RequestInit = {}) =>
  fetch(new URL(route, base), {
    ...init,
    headers: {
      'x-sluice-session': grant.token,
      ...(init.method && init.method !== 'GET' ? { 'x-sluice-csrf': grant.csrfToken, 'content-type': 'application/json' } : {}),
      ...(init.headers as Record<string, string>),
    },
  });

/** The events of an event stream, as the page reads them with fetch, until `done` says enough or the stream ends. */
async function readEvents(response: Response, done: (events: EventSourceMessage[]) => boolean): Promise<EventSourceMessage[]> {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) return events;
    parser.feed(value);
    if (done(events)) {
      await reader.cancel();
      return events;
    }
  }
}

/** The names and contents of the files in a zip. */
function zipEntries(zip: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) =>
    fromBuffer(zip, { lazyEntries: true }, (error, archive) => {
      if (error) return reject(error);
      const entries: Record<string, string> = {};
      archive.on('entry', (entry: Entry) =>
        archive.openReadStream(entry, (openError, stream) => {
          if (openError) return reject(openError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries[entry.fileName] = Buffer.concat(chunks).toString('utf8');
            archive.readEntry();
          });
        }),
      );
      archive.on('end', () => resolve(entries));
      archive.readEntry();
    }),
  );
}

const ended = (executionId: string) => (events: EventSourceMessage[]) =>
  events.some((message) => {
    const event = JSON.parse(message.data) as PipelineEvent;
    return (
      event['detail-type'] === 'CodePipeline Pipeline Execution State Change' &&
      event.detail['execution-id'] === executionId &&
      event.detail.state === 'SUCCEEDED'
    );
  });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-console-'));
  const repository = gitRepository({ 'app.txt': 'v1' });
  createPipeline(dataDir, {
    name: 'shown',
    stages: [
      gitSourceStage(repository.dir),
      {
        name: 'Build',
        actions: [
          {
            ...commandsOnSource('Say', ['echo first line', 'sleep 1', 'echo second line', 'echo built > out.txt']),
            outputArtifacts: [{ name: 'Out', files: ['out.txt'] }],
          },
        ],
      },
    ],
  });
  serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
  base = (await serve.waitFor(/serving .* at (http:\/\/127\.0\.0\.1:\d+\/)/))[1]!;
});

afterAll(() => killStartedSluice());

describe("sluice serve's console", () => {
  it('prints at start that sluice console opens it signed in', async () => {
    // The line follows the one beforeAll waited for, and may reach the pipe after it.
    const [line] = await serve.waitFor(/Open the console, signed in, with: .*/);
    expect(line).toBe(`Open the console, signed in, with: sluice console --data-dir ${dataDir}`);
  });

  it('signs in once through the link sluice console prints, and serves the API to the session', async () => {
    const printed = sluice(['console', '--no-open', '--data-dir', dataDir]);
    expect(printed.code).toBe(0);
    expect(printed.stdout.trim()).toMatch(new RegExp(`^${base.replace(/[.]/g, '\\.')}#sign-in=[A-Za-z0-9_-]{43}$`));
    const code = new URL(printed.stdout.trim()).hash.replace('#sign-in=', '');

    const first = await redeem(code);
    const again = await redeem(code);
    const unknown = await redeem('a'.repeat(43));
    const missing = await fetch(new URL('/console/sessions', base), { method: 'POST', body: '{}' });

    expect(first.status).toBe(201);
    const grant = (await first.json()) as Grant;
    expect(grant).toEqual({ token: expect.any(String), csrfToken: expect.any(String), principal: userInfo().username, expiresAt: expect.any(String) });
    expect(Date.parse(grant.expiresAt) - Date.now()).toBeGreaterThan(11 * 3_600_000);
    for (const refused of [again, unknown]) {
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { message: string }).message).toContain('run `sluice console` for a new one');
    }
    expect(missing.status).toBe(400);
    const pipelines = await asConsole(grant, '/console/api/pipelines');
    expect(pipelines.status).toBe(200);
    expect(((await pipelines.json()) as { items: { name: string }[] }).items.map((pipeline) => pipeline.name)).toEqual(['shown']);
    const config = await fetch(new URL('/console/config.json', base));
    expect(await config.json()).toEqual({ auth: { kind: 'local' }, live: 'sse' });
  });

  it('answers 401 without a valid session and 403 to a change without its CSRF token, and changes nothing', async () => {
    const grant = await signIn();
    const other = await signIn();
    const { token: apiToken } = (await readDataDirOwner(dataDir))!.api!;
    const start = (headers: Record<string, string>) =>
      fetch(new URL('/console/api/pipelines/shown/executions', base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{}',
      });

    const unauthenticated = await Promise.all([
      fetch(new URL('/console/api/pipelines', base)),
      fetch(new URL('/console/api/pipelines', base), { headers: { 'x-sluice-session': `${grant.token}x` } }),
      fetch(new URL('/console/api/pipelines', base), { headers: { 'x-sluice-token': apiToken } }),
      start({ 'x-sluice-csrf': grant.csrfToken }),
    ]);
    const withoutCsrf = await Promise.all([
      start({ 'x-sluice-session': grant.token }),
      start({ 'x-sluice-session': grant.token, 'x-sluice-csrf': 'wrong' }),
      start({ 'x-sluice-session': grant.token, 'x-sluice-csrf': other.csrfToken }),
    ]);
    const foreign = await Promise.all([
      start({ 'x-sluice-session': grant.token, 'x-sluice-csrf': grant.csrfToken, origin: 'https://attacker.example' }),
      redeem('a'.repeat(43), { origin: 'https://attacker.example' }),
    ]);

    for (const answer of unauthenticated) {
      expect(answer.status).toBe(401);
      const body = await answer.text();
      expect(JSON.parse(body).message).toBe('No valid console session: run `sluice console` to open the console signed in.');
      expect(body).not.toContain(grant.token);
      expect(body).not.toContain(grant.csrfToken);
    }
    for (const answer of withoutCsrf) {
      expect(answer.status).toBe(403);
      expect(((await answer.json()) as { message: string }).message).toContain('x-sluice-csrf');
    }
    for (const answer of foreign) expect(answer.status).toBe(403);
    const listed = await asConsole(grant, '/console/api/pipelines/shown/executions');
    expect(((await listed.json()) as { items: unknown[] }).items).toEqual([]);
  });

  it('answers 421 to a console request that names another Host, session and all', async () => {
    const grant = await signIn();
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request(
        new URL('/console/api/pipelines', base),
        { headers: { host: 'rebound.attacker.example', 'x-sluice-session': grant.token } },
        (answer) => {
          answer.resume();
          resolve(answer.statusCode!);
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });

    expect(status).toBe(421);
  });

  it("streams a running execution's state changes and its action's log, records the session's principal, and serves its artifact", async () => {
    const grant = await signIn();
    const stream = await asConsole(grant, '/console/api/stream');
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toBe('text/event-stream');

    const started = await asConsole(grant, '/console/api/pipelines/shown/executions', { method: 'POST', body: '{}' });
    expect(started.status).toBe(200);
    const { pipelineExecutionId } = (await started.json()) as { pipelineExecutionId: string };
    const log = await asConsole(grant, `/console/api/executions/${pipelineExecutionId}/logs/stream?action=Build/Say`);
    const [stateChanges, logEvents] = await Promise.all([readEvents(stream, ended(pipelineExecutionId)), readEvents(log, () => false)]);

    expect(stateChanges.every((message) => message.event === 'state-change')).toBe(true);
    expect(stateChanges.map((message) => message.id)).toEqual(stateChanges.map((_, index) => String(index + 1)));
    const states = stateChanges
      .map((message) => JSON.parse(message.data) as PipelineEvent)
      .filter((event) => event.detail['execution-id'] === pipelineExecutionId);
    expect(
      states.map((event) =>
        ['stage' in event.detail && event.detail.stage, 'action' in event.detail && event.detail.action, event.detail.state].filter(Boolean).join(' '),
      ),
    ).toEqual(expect.arrayContaining(['STARTED', 'Build Say STARTED', 'Build Say SUCCEEDED', 'SUCCEEDED']));
    expect(logEvents.at(-1)).toMatchObject({ event: 'end' });
    const text = logEvents
      .filter((message) => message.event === 'log')
      .map((message) => (JSON.parse(message.data) as { text: string }).text)
      .join('');
    expect(text).toMatch(/first line[\s\S]*second line/);

    const audit = (await (await asConsole(grant, '/console/api/audit?pipeline=shown')).json()) as { items: { operation: string; who: string; from: string }[] };
    expect(audit.items.find((record) => record.operation === 'StartPipelineExecution')).toMatchObject({ who: userInfo().username, from: '127.0.0.1' });

    const { token: apiToken } = (await readDataDirOwner(dataDir))!.api!;
    for (const download of [
      await asConsole(grant, `/console/api/executions/${pipelineExecutionId}/artifacts/Out`),
      await fetch(new URL(`/api/executions/${pipelineExecutionId}/artifacts/Out`, base), { headers: { 'x-sluice-token': apiToken } }),
    ]) {
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe('application/zip');
      expect(download.headers.get('content-disposition')).toBe('attachment; filename="Out.zip"');
      expect(await zipEntries(Buffer.from(await download.arrayBuffer()))).toEqual({ 'out.txt': 'built\n' });
    }
    const missing = await asConsole(grant, `/console/api/executions/${pipelineExecutionId}/artifacts/Nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe(
      `Execution ${pipelineExecutionId} has no output artifact Nothing. Its output artifacts: Out, Src.`,
    );
    const unsigned = await fetch(new URL(`/console/api/executions/${pipelineExecutionId}/artifacts/Out`, base));
    expect(unsigned.status).toBe(401);
  });

  it('answers 404 for the log of an execution that does not exist, before any stream', async () => {
    const grant = await signIn();

    const answer = await asConsole(grant, '/console/api/executions/00000000-0000-0000-0000-000000000000/logs/stream?action=Build/Say');

    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toBe('application/json');
  });

  it('stops promptly with streams open, ending them; its sessions work again once it serves again', async () => {
    const grant = await signIn();
    const stream = await asConsole(grant, '/console/api/stream');
    const events = readEvents(stream, () => false).catch((error: Error) => error);

    expect(await serve.interrupt()).toBe(0);
    await events;
    expect(sluice(['console', '--no-open', '--data-dir', dataDir])).toMatchObject({ code: 1, stderr: expect.stringContaining('start it with sluice serve') });
    serve = startSluice(['serve', '--port', new URL(base).port, '--quiet', '--data-dir', dataDir]);
    await serve.waitFor(/serving .* at http:/);
    expect((await asConsole(grant, '/console/api/pipelines')).status).toBe(200);
    expect(await serve.interrupt()).toBe(0);
  });
});
