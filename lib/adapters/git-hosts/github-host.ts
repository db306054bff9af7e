import type { CommitStatus } from '../../ports/commit-status';
import type { RepositoryCommit } from '../../ports/repository-host';
import { NotFoundError } from '../../core/errors';
import { HostApi, quoted, repositoryPath, shortened } from './host-api';

interface CommitAnswer {
  sha: string;
  html_url: string;
  commit: { message: string; author: { date: string } | null };
}

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
