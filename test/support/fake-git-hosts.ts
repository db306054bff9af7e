import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerWithArchive, closeServers, commitDetails, git, listen, reply, resolveCommit, withBody } from './fake-github';

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
  /** Serves pull request (or merge request) `number` of `fullName` as merging commit `head` into `base`: its files are git's diff of the two. */
  addPullRequest(fullName: string, number: number, base: string, head: string): void;
  /** The path and query of each request for changed files. */
  fileListings: string[];
  close(): Promise<void>;
}

/** The environment that points Sluice at the fake hosts, with the tokens they take. */
export const fakeHostsEnvironment = (bitbucket: FakeHost, bitbucketToken: string, gitlab: FakeHost, gitlabToken: string): NodeJS.ProcessEnv => ({
  SLUICE_BITBUCKET_TOKEN: bitbucketToken,
  SLUICE_BITBUCKET_API_URL: bitbucket.url,
  SLUICE_GITLAB_TOKEN: gitlabToken,
  SLUICE_GITLAB_API_URL: `${gitlab.url}/api/v4`,
});

/** How many files a fake host lists on one page of changed files: few, so that a test of three files reads two pages. */
const FILES_PER_PAGE = 2;

/** A file that git's diff of two commits shows, with its path before and after (a rename has both; an added file no old one). */
interface ChangedFile {
  status: 'added' | 'removed' | 'modified' | 'renamed';
  oldPath: string | null;
  newPath: string | null;
}

/** `git diff --name-status` of `base` and `head` in the repository at `dir`, renames found. */
async function changedFiles(dir: string, base: string, head: string): Promise<ChangedFile[]> {
  const lines = (await git(dir, 'diff', '--name-status', '-M', base, head)).split('\n').filter(Boolean);
  return lines.map((line) => {
    const [code, first, second] = line.split('\t');
    if (code!.startsWith('R')) return { status: 'renamed', oldPath: first!, newPath: second! };
    if (code === 'A') return { status: 'added', oldPath: null, newPath: first! };
    if (code === 'D') return { status: 'removed', oldPath: first!, newPath: null };
    return { status: 'modified', oldPath: first!, newPath: first! };
  });
}

/** Page `page` (from 1) of `files`, and whether another follows. */
const pageOf = <T>(files: T[], page: number) => ({
  values: files.slice((page - 1) * FILES_PER_PAGE, page * FILES_PER_PAGE),
  more: files.length > page * FILES_PER_PAGE,
});

const matching = (request: IncomingMessage, method: string, pattern: RegExp) => (request.method === method ? pattern.exec(request.url ?? '') : null);

/**
 * A local HTTP server that speaks the part of Bitbucket Cloud's REST API 2.0 that Sluice uses, and
 * the repository pages of bitbucket.org, from real git repositories; it accepts only the
 * Authorization headers given and refuses others with 401, as Bitbucket does:
 * - `GET /2.0/repositories/{workspace}/{repo}`: the repository, linking its page;
 * - `GET /2.0/repositories/{workspace}/{repo}/commit/{rev}`: the commit a branch or sha names;
 * - `GET /{workspace}/{repo}/get/{sha}.zip`: `git archive`'s zip under Bitbucket's
 *   `<workspace>-<repo>-<sha12>/` folder;
 * - `POST /2.0/repositories/{workspace}/{repo}/commit/{sha}/statuses/build`: recorded, answered 201;
 * - `GET /2.0/repositories/{workspace}/{repo}/diffstat/{new}..{old}` and
 *   `.../pullrequests/{id}/diffstat`: git's diff, two files a page, each page linking the next by `next`.
 * An unknown repository or commit is 404 with Bitbucket's error object.
 */
export async function startFakeBitbucket(authorizations: string[]): Promise<FakeHost & { linkNextPagesTo(origin: string | undefined): void }> {
  const statuses: HostStatus[] = [];
  /** Where `next` links point, when not at this server: a page that would lead a reader's token elsewhere. */
  let nextOrigin: string | undefined;
  const fileListings: string[] = [];
  const repositories = new Map<string, string>();
  const pullRequests = new Map<string, { base: string; head: string }>();
  /** A diffstat page as Bitbucket answers it. */
  const diffstat = async (response: ServerResponse, request: IncomingMessage, dir: string, base: string, head: string) => {
    fileListings.push(request.url ?? '');
    const url = new URL(request.url ?? '', host.url);
    const page = Number(url.searchParams.get('page') ?? '1');
    const { values, more } = pageOf(await changedFiles(dir, base, head), page);
    url.searchParams.set('page', String(page + 1));
    return reply(response, 200, {
      pagelen: FILES_PER_PAGE,
      page,
      values: values.map((file) => ({
        type: 'diffstat',
        status: file.status,
        old: file.oldPath === null ? null : { path: file.oldPath, type: 'commit_file' },
        new: file.newPath === null ? null : { path: file.newPath, type: 'commit_file' },
      })),
      ...(more ? { next: `${nextOrigin ?? new URL(host.url).origin}${url.pathname}${url.search}` } : {}),
    });
  };
  const notFound = (response: ServerResponse, message: string) => reply(response, 404, { type: 'error', error: { message } });

  const server = await listen(
    withBody(async (request, response, body) => {
      if (!authorizations.includes(request.headers.authorization ?? ''))
        return reply(response, 401, { type: 'error', error: { message: 'Access token expired or invalid' } });
      const repositoryRoute = matching(request, 'GET', /^\/2\.0\/repositories\/([^/]+)\/([^/]+)$/);
      const commitRoute = matching(request, 'GET', /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/commit\/([^/]+)$/);
      const archiveRoute = matching(request, 'GET', /^\/([^/]+)\/([^/]+)\/get\/([0-9a-f]+)\.zip$/);
      const statusRoute = matching(request, 'POST', /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/commit\/([^/]+)\/statuses\/build$/);
      const diffstatRoute = matching(request, 'GET', /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/diffstat\/([0-9a-f]+)\.\.([0-9a-f]+)(?:\?|$)/);
      const pullRequestRoute = matching(request, 'GET', /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/pullrequests\/(\d+)\/diffstat(?:\?|$)/);
      const [, workspace, name, rev] = (repositoryRoute ?? commitRoute ?? archiveRoute ?? statusRoute ?? diffstatRoute ?? pullRequestRoute ?? []).map((part) =>
        decodeURIComponent(part ?? ''),
      );
      const dir = repositories.get(`${workspace}/${name}`);
      if (!dir) return notFound(response, `Repository ${workspace}/${name} not found`);
      // Bitbucket's spec names the newer commit first.
      if (diffstatRoute) return diffstat(response, request, dir, diffstatRoute[4]!, rev!);
      if (pullRequestRoute) {
        const pullRequest = pullRequests.get(`${workspace}/${name}#${rev}`);
        if (!pullRequest) return notFound(response, `Pull request ${rev} not found`);
        return diffstat(response, request, dir, pullRequest.base, pullRequest.head);
      }
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
  const host: FakeHost & { linkNextPagesTo(origin: string | undefined): void } = {
    url: `${server.url}/2.0`,
    statuses,
    fileListings,
    linkNextPagesTo: (origin) => {
      nextOrigin = origin;
    },
    addRepository: (fullName, dir) => void repositories.set(fullName, dir),
    addPullRequest: (fullName, number, base, head) => void pullRequests.set(`${fullName}#${number}`, { base, head }),
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
 * - `POST /projects/:id/statuses/:sha`: recorded, answered 201;
 * - `GET /projects/:id/merge_requests/:iid/diffs`: git's diff, two files a page,
 *   each page linking the next in its Link header;
 * - `GET /projects/:id/repository/compare?from=&to=`: git's diff, whole.
 * An unknown project or commit is 404 with GitLab's message.
 */
export async function startFakeGitLab(token: string): Promise<FakeHost> {
  const statuses: HostStatus[] = [];
  const fileListings: string[] = [];
  const repositories = new Map<string, string>();
  const mergeRequests = new Map<string, { base: string; head: string }>();
  const diffOf = (file: ChangedFile) => ({
    old_path: file.oldPath ?? file.newPath,
    new_path: file.newPath ?? file.oldPath,
    new_file: file.status === 'added',
    renamed_file: file.status === 'renamed',
    deleted_file: file.status === 'removed',
    diff: '',
  });

  const server = await listen(
    withBody(async (request, response, body) => {
      if (request.headers.authorization !== `Bearer ${token}`) return reply(response, 401, { message: '401 Unauthorized' });
      const url = new URL(request.url ?? '', 'http://gitlab');
      const commitRoute = matching(request, 'GET', /^\/api\/v4\/projects\/([^/]+)\/repository\/commits\/([^/?]+)$/);
      const archiveRoute = matching(request, 'GET', /^\/api\/v4\/projects\/([^/]+)\/repository\/archive\.zip\?/);
      const statusRoute = matching(request, 'POST', /^\/api\/v4\/projects\/([^/]+)\/statuses\/([^/]+)$/);
      const diffsRoute = matching(request, 'GET', /^\/api\/v4\/projects\/([^/]+)\/merge_requests\/(\d+)\/diffs(?:\?|$)/);
      const compareRoute = matching(request, 'GET', /^\/api\/v4\/projects\/([^/]+)\/repository\/compare\?/);
      const [, project, rev] = (commitRoute ?? archiveRoute ?? statusRoute ?? diffsRoute ?? compareRoute ?? []).map((part) => decodeURIComponent(part ?? ''));
      const dir = repositories.get(project ?? '');
      if (!dir) return reply(response, 404, { message: '404 Project Not Found' });
      if (compareRoute) {
        fileListings.push(request.url ?? '');
        const files = await changedFiles(dir, url.searchParams.get('from') ?? '', url.searchParams.get('to') ?? '');
        return reply(response, 200, { commits: [], diffs: files.map(diffOf), compare_timeout: false, compare_same_ref: false });
      }
      if (diffsRoute) {
        fileListings.push(request.url ?? '');
        const mergeRequest = mergeRequests.get(`${project}!${rev}`);
        if (!mergeRequest) return reply(response, 404, { message: '404 Not found' });
        const page = Number(url.searchParams.get('page') ?? '1');
        const { values, more } = pageOf(await changedFiles(dir, mergeRequest.base, mergeRequest.head), page);
        url.searchParams.set('page', String(page + 1));
        const next = `${server.url}${url.pathname}${url.search}`;
        response.writeHead(200, { 'content-type': 'application/json', ...(more ? { link: `<${next}>; rel="next"`, 'x-next-page': String(page + 1) } : {}) });
        return response.end(JSON.stringify(values.map(diffOf)));
      }
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
    fileListings,
    addRepository: (fullName, dir) => void repositories.set(fullName, dir),
    addPullRequest: (fullName, number, base, head) => void mergeRequests.set(`${fullName}!${number}`, { base, head }),
    close: () => closeServers(server.server),
  };
}
