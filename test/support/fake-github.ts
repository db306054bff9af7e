import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedStatus {
  repository: string;
  sha: string;
  authorization: string | undefined;
  body: { state: string; target_url?: string; description?: string; context?: string };
}

export interface FakeGitHub {
  apiUrl: string;
  statuses: ReceivedStatus[];
  /** Resolves once `count` statuses have arrived. */
  waitForStatuses(count: number, timeoutMs?: number): Promise<ReceivedStatus[]>;
  close(): Promise<void>;
}

/**
 * A local HTTP server that speaks GitHub's commit statuses API: it records each
 * `POST /repos/{owner}/{repo}/statuses/{sha}` (under `/api/v3` too, as GitHub Enterprise has it), refuses a token other than `token` with 401, and
 * answers 201 with the created status, as GitHub does.
 */
export async function startFakeGitHub(token: string): Promise<FakeGitHub> {
  const statuses: ReceivedStatus[] = [];
  let onStatus = () => {};
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const route = /^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/.exec(request.url ?? '');
      const reply = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.method !== 'POST' || !route) return reply(404, { message: 'Not Found' });
      if (request.headers.authorization !== `Bearer ${token}`) return reply(401, { message: 'Bad credentials' });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedStatus['body'];
      statuses.push({ repository: `${decodeURIComponent(route[1]!)}/${decodeURIComponent(route[2]!)}`, sha: route[3]!, authorization: request.headers.authorization, body });
      onStatus();
      reply(201, { id: statuses.length, state: body.state, description: body.description ?? null, target_url: body.target_url ?? null, context: body.context ?? 'default' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}`,
    statuses,
    waitForStatuses: (count, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Only ${statuses.length} of ${count} statuses arrived: ${JSON.stringify(statuses)}`)), timeoutMs);
        onStatus = () => {
          if (statuses.length < count) return;
          clearTimeout(timer);
          resolve(statuses.slice(0, count));
        };
        onStatus();
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
