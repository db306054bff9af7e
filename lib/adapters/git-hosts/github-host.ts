import type { CommitStatus } from '../../ports/commit-status';
import type { PullRequestFiles, RepositoryCommit, RepositoryHosts } from '../../ports/repository-host';
import { NotFoundError } from '../../core/errors';
import { HostApi, quoted, repositoryPath, shortened } from './host-api';

interface CommitAnswer {
  sha: string;
  html_url: string;
  commit: { message: string; author: { date: string } | null };
}

interface PullRequestFileAnswer {
  filename: string;
  previous_filename?: string;
}

/** GitHub lists no more than this many files of one pull request, however many it changes. */
export const PULL_REQUEST_FILES_LIMIT = 3000;
/** The most files GitHub gives on one page. */
const FILES_PER_PAGE = 100;

/** GitHub refuses a longer status description with 422. */
const MAX_DESCRIPTION_LENGTH = 140;

/**
 * GitHub's REST API, at api.github.com or a GitHub Enterprise Server's `/api/v3`: commits
 * (`GET /repos/{owner}/{repo}/commits/{ref}`), zipballs, and commit statuses
 * (`POST /repos/{owner}/{repo}/statuses/{sha}`), with the token as the bearer.
 */
export class GitHubHost extends HostApi {
  protected headers(token: string): Record<string, string> {
    return {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'user-agent': 'sluice',
      'x-github-api-version': '2022-11-28',
    };
  }

  async commit(repository: string, ref: string, signal: AbortSignal): Promise<RepositoryCommit> {
    const answer = (await (
      await this.read(`${this.repositoryPath(repository)}/commits/${encodeURIComponent(ref)}`, repository, ref, signal)
    ).json()) as CommitAnswer;
    return { sha: answer.sha, message: answer.commit.message, authorDate: answer.commit.author?.date, htmlUrl: answer.html_url };
  }

  /** GitHub's zip holds one top-level folder, `<owner>-<name>-<sha7>/`, with the tree inside it. */
  async downloadArchive(repository: string, sha: string, file: string, signal: AbortSignal): Promise<void> {
    // GitHub answers with a redirect to codeload, on another origin; fetch follows it and drops the
    // Authorization header on the way, and codeload authorizes by the token in the redirect's URL.
    const response = await this.read(`${this.repositoryPath(repository)}/zipball/${encodeURIComponent(sha)}`, repository, sha, signal);
    await this.saveBody(response, file, signal);
  }

  async report(status: CommitStatus): Promise<void> {
    await this.postStatus(`${this.repositoryPath(status.repository)}/statuses/${encodeURIComponent(status.sha)}`, status, {
      state: status.state,
      ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      description: shortened(status.description, MAX_DESCRIPTION_LENGTH),
      context: status.context,
    });
  }

  /**
   * The files pull request `number` of `repository` changes, read page by page as GitHub's Link
   * headers lead. GitHub lists the first 3000 of them and no more: a larger pull request comes back
   * with `cut` set.
   */
  async pullRequestFiles(repository: string, number: number, signal: AbortSignal): Promise<PullRequestFiles> {
    const files: string[] = [];
    let listed = 0;
    let url: string | undefined = `${this.repositoryPath(repository)}/pulls/${number}/files?per_page=${FILES_PER_PAGE}`;
    while (url !== undefined && listed < PULL_REQUEST_FILES_LIMIT) {
      const response = await this.read(url, repository, `pull request #${number}`, signal);
      const page = (await response.json()) as PullRequestFileAnswer[];
      listed += page.length;
      for (const file of page) files.push(file.filename, ...(file.previous_filename ? [file.previous_filename] : []));
      url = page.length === 0 ? undefined : this.nextPage(response.headers.get('link'));
    }
    return {
      files: [...new Set(files)],
      ...(listed >= PULL_REQUEST_FILES_LIMIT ? { cut: `GitHub lists only the first ${PULL_REQUEST_FILES_LIMIT} files of a pull request` } : {}),
    };
  }

  protected override async refusal(response: Response, repository: string, ref: string): Promise<Error> {
    // GitHub's answer when the repository is there and the ref is not: "No commit found for SHA: <ref>".
    if (response.status === 422)
      return new NotFoundError(`GitHub found no commit ${ref} in ${repository} (422 ${await quoted(response)}). Check the branch name, or push the commit.`);
    return super.refusal(response, repository, ref);
  }

  /** The `rel="next"` URL of a Link header, when it leads to GitHub's own API, which the token is for. */
  private nextPage(link: string | null): string | undefined {
    const next = link
      ?.split(',')
      .map((part) => /<([^>]+)>\s*;\s*rel="next"/.exec(part)?.[1])
      .find((url) => url !== undefined);
    return next !== undefined && new URL(next).origin === new URL(this.apiUrl).origin ? next : undefined;
  }

  private repositoryPath(repository: string): string {
    return `/repos/${repositoryPath(repository, 'owner/name').map(encodeURIComponent).join('/')}`;
  }
}

/**
 * How the GitHub webhook reads the files a pull request changes: through the installation's GitHub
 * host, whose token it needs.
 */
export const pullRequestFilesReader =
  (hosts: RepositoryHosts) =>
  async (repository: string, number: number, signal: AbortSignal): Promise<PullRequestFiles> => {
    const host = await hosts.forConnection(undefined);
    if (!(host instanceof GitHubHost)) throw new Error(`Pull requests are GitHub's here, and the default host is ${host.name}.`);
    return host.pullRequestFiles(repository, number, signal);
  };
