import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codeCommitGitCredentials } from '../../lib/actions/codecommit-git-credentials';
import type { AwsCredentials } from '../../lib/ports/codecommit-access';

export interface CodeCommitGitServer {
  /** `http://127.0.0.1:<port>/v1/repos/<name>`, as CodeCommit's `https://git-codecommit.<region>.amazonaws.com/v1/repos/<name>`. */
  repositoryUrl(name: string): string;
  /** Serves a bare clone of the git repository at `dir` as repository `name`. */
  addRepository(name: string, dir: string): void;
  /** The usernames of the requests it let in. */
  acceptedUsernames: string[];
  close(): Promise<void>;
}

/** How long CodeCommit accepts a signature after its time. */
const SIGNATURE_LIFETIME_MS = 15 * 60 * 1000;

const REPOSITORY_PATH = /^\/v1\/repos\/([^/]+)(\/.*)$/;

/** `20171224T115320` as a Date. */
function signatureTime(time: string): Date {
  const [, year, month, day, hour, minute, second] = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)$/.exec(time)!;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
}

type Verdict = { status: 200; username: string } | { status: 401 | 403; reason: string };

/**
 * CodeCommit's check of a git request: HTTP Basic credentials whose password carries the time it
 * was signed at, so the expected credentials can be signed again for that time and compared.
 */
function checkCredentials(request: IncomingMessage, repositoryPath: string, region: string, credentials: AwsCredentials): Verdict {
  const [scheme, encoded] = (request.headers.authorization ?? '').split(' ');
  if (scheme !== 'Basic' || !encoded) return { status: 401, reason: 'credentials are required' };
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const [username, password] = [decoded.slice(0, separator), decoded.slice(separator + 1)];
  const signed = /^(\d{8}T\d{6})Z[0-9a-f]{64}$/.exec(password);
  if (!signed) return { status: 403, reason: 'the password is not a signature' };
  const time = signatureTime(signed[1]!);
  if (Math.abs(Date.now() - time.getTime()) > SIGNATURE_LIFETIME_MS) return { status: 403, reason: 'the signature has expired' };
  const expected = codeCommitGitCredentials(`http://${request.headers.host}${repositoryPath}`, region, credentials, time);
  if (username !== expected.username || password !== expected.password) return { status: 403, reason: 'the signature does not match' };
  return { status: 200, username };
}

/** Runs `git http-backend` as a CGI script for one request, and streams its answer back. */
function runHttpBackend(request: IncomingMessage, response: ServerResponse, projectRoot: string, pathInfo: string, remoteUser: string, query: string): void {
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: pathInfo,
      REQUEST_METHOD: request.method,
      QUERY_STRING: query,
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      ...(request.headers['content-length'] ? { CONTENT_LENGTH: request.headers['content-length'] } : {}),
      ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] } : {}),
      ...(request.headers['git-protocol'] ? { HTTP_GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
      REMOTE_USER: remoteUser,
      REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    },
  });
  request.pipe(backend.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const end = /\r?\n\r?\n/.exec(text);
    if (!end) return;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of text.slice(0, end.index).split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const [name, value] = [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    response.writeHead(status, headers);
    headersSent = true;
    response.write(head.subarray(end.index + end[0].length));
  });
  backend.on('close', () => {
    if (!headersSent) response.writeHead(500).end('git http-backend wrote no headers');
    else response.end();
  });
}

/**
 * A git smart-HTTP server shaped like CodeCommit's git endpoint, over real bare repositories
 * served by `git http-backend`. As CodeCommit does, it asks for HTTP Basic credentials (401), and
 * refuses with 403 any that are not the SigV4-derived credentials of `credentials` in `region`;
 * an unknown repository is 404.
 */
export async function startCodeCommitGitServer(region: string, credentials: AwsCredentials): Promise<CodeCommitGitServer> {
  const projectRoot = mkdtempSync(path.join(tmpdir(), 'sluice-codecommit-'));
  const acceptedUsernames: string[] = [];
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = REPOSITORY_PATH.exec(url.pathname);
    if (!match) {
      response.writeHead(404).end();
      return;
    }
    const [, name, rest] = match as unknown as [string, string, string];
    const verdict = checkCredentials(request, `/v1/repos/${name}`, region, credentials);
    if (verdict.status !== 200) {
      const challenge: Record<string, string> = verdict.status === 401 ? { 'www-authenticate': 'Basic realm="git-codecommit"' } : {};
      response.writeHead(verdict.status, challenge).end(`${verdict.reason}\n`);
      return;
    }
    acceptedUsernames.push(verdict.username);
    runHttpBackend(request, response, projectRoot, `/${decodeURIComponent(name)}${rest}`, verdict.username, url.search.slice(1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    repositoryUrl: (name) => `${origin}/v1/repos/${encodeURIComponent(name)}`,
    addRepository(name, dir) {
      execFileSync('git', ['clone', '--bare', '--quiet', dir, path.join(projectRoot, name)], { stdio: 'pipe' });
    },
    acceptedUsernames,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(projectRoot, { recursive: true, force: true });
    },
  };
}
