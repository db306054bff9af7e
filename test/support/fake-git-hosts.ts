import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerWithArchive, closeServers, commitDetails, listen, reply, resolveCommit, withBody } from './fake-github';

/** A commit status as a fake host received it: the repository's path, the commit, the credentials and the body. */
export interface HostStatus {
  repository: string;
  sha: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface FakeHost {
  /** Where the host's base URL is: Bitbucket's API (`.../2.0`), or a GitLab server (its API is at `/api/v4`). */
  url: string;
  statuses: HostStatus[];
  /** Serves the git repository at `dir` as `fullName` (workspace/name, group/name). */
  addRepository(fullName: string, dir: string): void;
  close(): Promise<void>;
}

const matching = (request: IncomingMessage, method: string, pattern: RegExp) => (request.method === method ? pattern.exec(request.url ?? '') : null);

/**
 * A local HTTP server that speaks the part of Bitbucket Cloud's REST API 2.0 that Sluice uses, and
 * the repository pages of bitbucket.org, from real git repositories; it accepts only the
 * Authorization headers given and refuses others with 401, as Bitbucket does:
 * - `GET /2.0/repositories/{workspace}/{repo}`: the repository, linking its page;
 * - `GET /2.0/repositories/{workspace}/{repo}/commit/{rev}`: the commit a branch or sha names;
 * - `GET /{workspace}/{repo}/get/{sha}.zip`: `git archive`'s zip under Bitbucket's
 *   `<workspace>-<repo>-<sha12>/` folder;
 * - `POST /2.0/repositories/{workspace}/{repo}/commit/{sha}/statuses/build`: recorded, answered 201.
 * An unknown repository or commit is 404 with Bitbucket's error object.
 */
export async function startFakeBitbucket(authorizations: string[]): Promise<FakeHost> {
  const statuses: HostStatus[] = [];
  const repositories = new Map<string, string>();
  const notFound = (response: ServerResponse, message: string) => reply(response, 404, { type: 'error', error: { message } });

  const server = await listen(
    withBody(async (request, response, body) => {
      if (!authorizations.includes(request.headers.authorization ?? ''))
        return reply(response, 401, { type: 'error', error: { message: 'Access token expired or invalid' } });
      const repositoryRoute = matching(request, 'GET', /^\/2\.0\/repositories\/([^/]+)\/([^/]+)$/);
      const commitRoute = matching(request, 'GET', /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/commit\/([^/]+)$/);
      const archiveRoute = matching(request, 'GET', /^\/([^/]+)\/([^/]+)\/get\/([0-9a-f]+)\.zip$/);
      const statusRoute = matching(request, 'POST', /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/commit\/([^/]+)\/statuses\/build$/);
      const [, workspace, name, rev] = (repositoryRoute ?? commitRoute ?? archiveRoute ?? statusRoute ?? []).map((part) => decodeURIComponent(part ?? ''));
      const dir = repositories.get(`${workspace}/${name}`);
      if (!dir) return notFound(response, `Repository ${workspace}/${name} not found`);
      if (repositoryRoute)
        return reply(response, 200, {
          full_name: `${workspace}/${name}`,
          links: { html: { href: `${host.url.replace(/\/2\.0$/, '')}/${workspace}/${name}` } },
        });
      if (statusRoute) {
        statuses.push({ repository: `${workspace}/${name}`, sha: rev!, authorization: request.headers.authorization, body: JSON.parse(body) });
        return reply(response, 201, { type: 'commitstatus', ...JSON.parse(body) });
      }
      const sha = await resolveCommit(dir, rev!);
      if (!sha) return notFound(response, `Commit not found: ${rev}`);
      if (archiveRoute) return answerWithArchive(response, dir, sha, `${workspace}-${name}-${sha.slice(0, 12)}/`);
      const { authorDate, message } = await commitDetails(dir, sha);
      return reply(response, 200, {
        type: 'commit',
        hash: sha,
        message,
        date: authorDate,
        links: { html: { href: `${host.url.replace(/\/2\.0$/, '')}/${workspace}/${name}/commits/${sha}` } },
      });
    }),
  );
  const host: FakeHost = {
    url: `${server.url}/2.0`,
    statuses,
    addRepository: (fullName, dir) => void repositories.set(fullName, dir),
    close: () => closeServers(server.server),
  };
  return host;
}

/**
 * A local HTTP server that speaks the part of GitLab's REST API v4 that Sluice uses, under
 * `/api/v4`, from real git repositories; it refuses a bearer other than `token` with 401, as
 * GitLab does. `:id` is the project's URL-encoded path:
 * - `GET /projects/:id/repository/commits/:sha`: the commit a branch or sha names;
 * - `GET /projects/:id/repository/archive.zip?sha=`: `git archive`'s zip under GitLab's
 *   `<project>-<sha>-<sha>/` folder;
 * - `POST /projects/:id/statuses/:sha`: recorded, answered 201.
 * An unknown project or commit is 404 with GitLab's message.
 */
export async function startFakeGitLab(token: string): Promise<FakeHost> {
  const statuses: HostStatus[] = [];
  const repositories = new Map<string, string>();

  const server = await listen(
    withBody(async (request, response, body) => {
      if (request.headers.authorization !== `Bearer ${token}`) return reply(response, 401, { message: '401 Unauthorized' });
      const url = new URL(request.url ?? '', 'http://gitlab');
      const commitRoute = matching(request, 'GET', /^\/api\/v4\/projects\/([^/]+)\/repository\/commits\/([^/?]+)$/);
      const archiveRoute = matching(request, 'GET', /^\/api\/v4\/projects\/([^/]+)\/repository\/archive\.zip\?/);
      const statusRoute = matching(request, 'POST', /^\/api\/v4\/projects\/([^/]+)\/statuses\/([^/]+)$/);
      const [, project, rev] = (commitRoute ?? archiveRoute ?? statusRoute ?? []).map((part) => decodeURIComponent(part ?? ''));
      const dir = repositories.get(project ?? '');
      if (!dir) return reply(response, 404, { message: '404 Project Not Found' });
      if (statusRoute) {
        statuses.push({ repository: project!, sha: rev!, authorization: request.headers.authorization, body: JSON.parse(body) });
        return reply(response, 201, { id: statuses.length, sha: rev, ...JSON.parse(body) });
      }
      const sha = await resolveCommit(dir, archiveRoute ? (url.searchParams.get('sha') ?? 'HEAD') : rev!);
      if (!sha) return reply(response, 404, { message: '404 Commit Not Found' });
      if (archiveRoute) return answerWithArchive(response, dir, sha, `${project!.split('/').pop()}-${sha}-${sha}/`);
      const { authorDate, message } = await commitDetails(dir, sha);
      return reply(response, 200, {
        id: sha,
        short_id: sha.slice(0, 8),
        message,
        authored_date: authorDate,
        web_url: `${server.url}/${project}/-/commit/${sha}`,
      });
    }),
  );
  return {
    url: server.url,
    statuses,
    addRepository: (fullName, dir) => void repositories.set(fullName, dir),
    close: () => closeServers(server.server),
  };
}
