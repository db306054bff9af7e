import type { CommitStatus } from '../../ports/commit-status';
import type { FileChange, PullRequestFiles, RepositoryCommit } from '../../ports/repository-host';
import { NotFoundError } from '../../core/errors';
import { HostApi, linkedNextPage, quoted, repositoryPath, shortened } from './host-api';

interface CommitAnswer {
  sha: string;
  html_url: string;
  commit: { message: string; author: { date: string } | null };
}

interface PullRequestFileAnswer {
  filename: string;
  previous_filename?: string;
}

interface CompareAnswer {
  files?: PullRequestFileAnswer[];
}

/** GitHub lists no more than this many files of a comparison of two commits. */
const COMPARE_FILES_LIMIT = 300;

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

  async changedFiles(repository: string, change: FileChange, signal: AbortSignal): Promise<PullRequestFiles> {
    if ('pullRequest' in change) return this.pullRequestFiles(repository, change.pullRequest, signal);
    const url = `${this.repositoryPath(repository)}/compare/${encodeURIComponent(change.from)}...${encodeURIComponent(change.to)}`;
    const { files = [] } = (await (await this.read(url, repository, `${change.from}...${change.to}`, signal)).json()) as CompareAnswer;
    return {
      files: [...new Set(files.flatMap((file) => [file.filename, ...(file.previous_filename ? [file.previous_filename] : [])]))],
      ...(files.length >= COMPARE_FILES_LIMIT ? { cut: `GitHub lists only the first ${COMPARE_FILES_LIMIT} files of a comparison` } : {}),
    };
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
      const next = linkedNextPage(response.headers.get('link'));
      if (page.length > 0 && next !== undefined && !this.onApiOrigin(next))
        return { files: [...new Set(files)], cut: this.linkedElsewhere(next, `pull request #${number}`) };
      url = page.length === 0 ? undefined : next;
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

  private repositoryPath(repository: string): string {
    return `/repos/${repositoryPath(repository, 'owner/name').map(encodeURIComponent).join('/')}`;
  }
}
