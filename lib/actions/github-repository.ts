import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { ActionFailedError, BadInputError, NotFoundError } from '../core/errors';
import { gitHubHeaders, repositoryApiUrl } from '../core/github-api';
import type { GitHubAccess } from '../ports/github-access';

/** What Sluice keeps of a commit that GitHub's API describes. */
export interface GitHubCommit {
  sha: string;
  message: string;
  /** ISO 8601, as GitHub gives it; GitHub may leave a commit's author out. */
  authorDate?: string;
  /** The commit's page on GitHub. */
  htmlUrl: string;
}

interface CommitAnswer {
  sha: string;
  html_url: string;
  commit: { message: string; author: { date: string } | null };
}

/**
 * One repository, read through GitHub's REST API: its commits, and the code of one of them.
 *
 * @example
 * const repository = new GitHubRepository(gitHub, 'octo/app');
 * const commit = await repository.commit('main', signal);
 * await repository.downloadZipball(commit.sha, 'workspace/code.zip', signal);
 */
export class GitHubRepository {
  private readonly url: string;

  constructor(
    private readonly gitHub: GitHubAccess,
    private readonly name: string,
  ) {
    this.url = repositoryApiUrl(gitHub.apiUrl, name);
  }

  /** The commit that `ref`, a branch name or a sha, names now. */
  async commit(ref: string, signal: AbortSignal): Promise<GitHubCommit> {
    const response = await this.request(`/commits/${encodeURIComponent(ref)}`, signal);
    if (!response.ok) throw await this.refusal(response, ref);
    const answer = (await response.json()) as CommitAnswer;
    return { sha: answer.sha, message: answer.commit.message, authorDate: answer.commit.author?.date, htmlUrl: answer.html_url };
  }

  /**
   * Streams GitHub's zip of commit `sha` to `file`. The zip holds one top-level folder,
   * `<owner>-<name>-<sha7>/`, with the tree inside it.
   */
  async downloadZipball(sha: string, file: string, signal: AbortSignal): Promise<void> {
    // GitHub answers with a redirect to codeload, on another origin; fetch follows it and drops the
    // Authorization header on the way, and codeload authorizes by the token in the redirect's URL.
    const response = await this.request(`/zipball/${encodeURIComponent(sha)}`, signal);
    if (!response.ok || !response.body) throw await this.refusal(response, sha);
    await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), createWriteStream(file), { signal });
  }

  private async request(path: string, signal: AbortSignal): Promise<Response> {
    try {
      return await fetch(`${this.url}${path}`, { headers: gitHubHeaders(await this.gitHub.token()), signal });
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ActionFailedError(`Cannot reach GitHub's API at ${this.gitHub.apiUrl}: ${reason}`, { cause: error });
    }
  }

  private async refusal(response: Response, ref: string): Promise<Error> {
    const answer = (await response.text()).slice(0, 300);
    switch (response.status) {
      case 401:
        return new BadInputError(
          `GitHub refused the token when reading ${this.name} (401 ${answer}): it is wrong, expired or revoked. Give Sluice a valid token.`,
        );
      case 404:
        return new NotFoundError(
          `GitHub found no repository ${this.name} with ref ${ref}, or the token cannot see it (404). Check the repository's owner/name and the ref, and that the token may read the repository's contents.`,
        );
      case 422:
        // GitHub's answer when the repository is there and the ref is not: "No commit found for SHA: <ref>".
        return new NotFoundError(`GitHub found no commit ${ref} in ${this.name} (422 ${answer}). Check the branch name, or push the commit.`);
      default:
        return new ActionFailedError(`GitHub answered ${response.status} when reading ${ref} of ${this.name}: ${answer}`);
    }
  }
}
