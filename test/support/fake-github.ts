import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ReceivedStatus {
  repository: string;
  sha: string;
  authorization: string | undefined;
  body: { state: string; target_url?: string; description?: string; context?: string };
}

/** One request to the fake codeload, where GitHub's zipball redirects. */
export interface ArchiveDownload {
  path: string;
  authorization: string | undefined;
}

export interface FakeGitHub {
  apiUrl: string;
  statuses: ReceivedStatus[];
  archiveDownloads: ArchiveDownload[];
  /** Serves the git repository at `dir` as `fullName` (owner/name): its commits, and zips of them. */
  addRepository(fullName: string, dir: string): void;
  /** Serves pull request `number` of `fullName` as changing `files`, which GitHub lists 3000 of at most. */
  addPullRequest(fullName: string, number: number, files: { filename: string; previous_filename?: string }[]): void;
  /** The path and query of each request for a pull request's files. */
  fileListings: string[];
  /** Resolves once `count` statuses have arrived. */
  waitForStatuses(count: number, timeoutMs?: number): Promise<ReceivedStatus[]>;
  close(): Promise<void>;
}

export const git = async (dir: string, ...args: string[]) => (await run('git', args, { cwd: dir })).stdout;

/** The commit `ref` names in the repository at `dir`, or undefined. */
export async function resolveCommit(dir: string, ref: string): Promise<string | undefined> {
  return (await git(dir, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`).catch(() => '')).trim() || undefined;
}

/** GitHub's answer to `GET /repos/{owner}/{repo}/commits/{ref}`, with the fields Sluice reads. */
async function commitAnswer(dir: string, sha: string, htmlUrl: string) {
  const { authorDate, message } = await commitDetails(dir, sha);
  return { sha, html_url: htmlUrl, commit: { message, author: { name: 'Test', email: 'test@example.com', date: authorDate } } };
}

export async function listen(listener: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export const reply = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export const route = (request: IncomingMessage, pattern: RegExp) =>
  pattern
    .exec(request.url ?? '')
    ?.slice(1)
    .map(decodeURIComponent);

/** Closes the servers, and the connections left open to them. */
export async function closeServers(...servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}

/** Streams `git archive`'s zip of `sha`, its entries under `prefix`, as the answer. */
export function answerWithArchive(response: ServerResponse, dir: string, sha: string, prefix: string): void {
  const zip = spawn('git', ['archive', '--format=zip', `--prefix=${prefix}`, sha], { cwd: dir });
  response.writeHead(200, { 'content-type': 'application/zip' });
  zip.stdout.pipe(response);
}

/** The author date (ISO 8601, to the second) and the message of commit `sha`. */
export async function commitDetails(dir: string, sha: string): Promise<{ authorDate: string; message: string }> {
  const [authorDate, message] = (await git(dir, 'show', '-s', '--format=%aI%x00%B', sha)).split('\0') as [string, string];
  return { authorDate: new Date(authorDate).toISOString().replace('.000Z', 'Z'), message: message.trimEnd() };
}

/** Collects a request's body, then calls `answer` with it; an error in `answer` is a 500. */
export function withBody(answer: (request: IncomingMessage, response: ServerResponse, body: string) => Promise<unknown>): RequestListener {
  return (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      answer(request, response, Buffer.concat(chunks).toString('utf8')).catch((error: Error) => reply(response, 500, { message: error.message }));
    });
  };
}

/**
 * A local HTTP server that speaks the part of GitHub's API that Sluice uses (under `/api/v3` too,
 * as GitHub Enterprise has it), and refuses a token other than `token` with 401, as GitHub does:
 * - it records each `POST /repos/{owner}/{repo}/statuses/{sha}` and answers 201 with the status;
 * - for repositories given to `addRepository`, it answers `GET /repos/{owner}/{repo}/commits/{ref}`
 *   from the real git repository, and `GET /repos/{owner}/{repo}/zipball/{ref}` with a 302 to a
 *   second server, on another origin like codeload.github.com, that streams `git archive`'s zip
 *   with GitHub's `<owner>-<repo>-<sha7>/` folder and authorizes by a token in its URL. An unknown
 *   repository is 404, and an unknown ref 422 ("No commit found for SHA"), as GitHub answers;
 * - for pull requests given to `addPullRequest`, it answers `GET /repos/{owner}/{repo}/pulls/{n}/files`
 *   a page at a time (`per_page`, 30 by default and 100 at most; `page`), with GitHub's Link header,
 *   whose next page is under `/repositories/{id}/`, as GitHub's are, and no more than 3000 files.
 */
export async function startFakeGitHub(token: string): Promise<FakeGitHub> {
  const statuses: ReceivedStatus[] = [];
  const archiveDownloads: ArchiveDownload[] = [];
  const repositories = new Map<string, string>();
  /** The archives that redirects point to, by the token in their URL. */
  const archives = new Map<string, { dir: string; owner: string; name: string; sha: string }>();
  let onStatus = () => {};
  const pullRequests = new Map<string, { filename: string; previous_filename?: string }[]>();
  /** GitHub's Link headers name a repository by its numeric id. */
  const repositoryIds: string[] = [];
  const fileListings: string[] = [];

  function answerFileListing(request: IncomingMessage, response: ServerResponse, [repository, number]: string[]) {
    fileListings.push(request.url ?? '');
    const fullName = /^\d+$/.test(repository!) ? repositoryIds[Number(repository)] : repository;
    const files = pullRequests.get(`${fullName}#${number}`);
    if (!files) return reply(response, 404, { message: 'Not Found' });
    const query = new URL(request.url ?? '', 'http://api').searchParams;
    const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
    const page = Number(query.get('page') ?? 1);
    const listed = files.slice(0, 3000);
    const last = Math.max(1, Math.ceil(listed.length / perPage));
    const pageUrl = (n: number) => `${api.url}/repositories/${repositoryIds.indexOf(fullName!)}/pulls/${number}/files?per_page=${perPage}&page=${n}`;
    const links = page < last ? [`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(last)}>; rel="last"`] : [];
    response.writeHead(200, { 'content-type': 'application/json', ...(links.length > 0 ? { link: links.join(', ') } : {}) });
    response.end(JSON.stringify(listed.slice((page - 1) * perPage, page * perPage).map((file) => ({ status: 'modified', ...file }))));
  }

  const codeload = await listen((request, response) => {
    archiveDownloads.push({ path: request.url ?? '', authorization: request.headers.authorization });
    const archive = archives.get(new URL(request.url ?? '', 'http://codeload').searchParams.get('token') ?? '');
    if (!archive) return reply(response, 404, { message: 'Not Found' });
    answerWithArchive(response, archive.dir, archive.sha, `${archive.owner}-${archive.name}-${archive.sha.slice(0, 7)}/`);
  });

  async function answerRepositoryRequest(response: ServerResponse, [owner, name, kind, ref]: string[]) {
    const dir = repositories.get(`${owner}/${name}`);
    if (!dir) return reply(response, 404, { message: 'Not Found' });
    const sha = await resolveCommit(dir, ref!);
    if (!sha) return reply(response, 422, { message: `No commit found for SHA: ${ref}` });
    if (kind === 'commits') return reply(response, 200, await commitAnswer(dir, sha, `${api.url}/${owner}/${name}/commit/${sha}`));
    const archiveToken = randomBytes(12).toString('hex');
    archives.set(archiveToken, { dir, owner: owner!, name: name!, sha });
    response.writeHead(302, { location: `${codeload.url}/${owner}/${name}/legacy.zip/${sha}?token=${archiveToken}` }).end();
  }

  const api = await listen((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = request.method === 'POST' && route(request, /^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/);
      const read = request.method === 'GET' && route(request, /^(?:\/api\/v3)?\/repos\/([^/]+)\/([^/]+)\/(commits|zipball)\/(.+)$/);
      // By owner/name, or by the repository's id, as the Link headers' next pages are.
      const listing =
        request.method === 'GET' && /^(?:\/api\/v3)?\/(?:repos\/([^/]+\/[^/]+)|repositories\/(\d+))\/pulls\/(\d+)\/files(?:\?.*)?$/.exec(request.url ?? '');
      const files = listing && [listing[1] ? decodeURIComponent(listing[1]) : listing[2]!, listing[3]!];
      if (!status && !read && !files) return reply(response, 404, { message: 'Not Found' });
      if (request.headers.authorization !== `Bearer ${token}`) return reply(response, 401, { message: 'Bad credentials' });
      if (files) return answerFileListing(request, response, files);
      if (read) {
        answerRepositoryRequest(response, read).catch((error: Error) => reply(response, 500, { message: error.message }));
        return;
      }
      const [owner, name, sha] = status as string[];
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedStatus['body'];
      statuses.push({ repository: `${owner}/${name}`, sha: sha!, authorization: request.headers.authorization, body });
      onStatus();
      reply(response, 201, {
        id: statuses.length,
        state: body.state,
        description: body.description ?? null,
        target_url: body.target_url ?? null,
        context: body.context ?? 'default',
      });
    });
  });

  return {
    apiUrl: api.url,
    statuses,
    archiveDownloads,
    fileListings,
    addRepository: (fullName, dir) => {
      repositories.set(fullName, dir);
    },
    addPullRequest: (fullName, number, files) => {
      if (!repositoryIds.includes(fullName)) repositoryIds.push(fullName);
      pullRequests.set(`${fullName}#${number}`, files);
    },
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
    close: () => closeServers(api.server, codeload.server),
  };
}
