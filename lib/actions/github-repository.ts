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

/** The files a pull request changes, as far as GitHub lists them. */
export interface PullRequestFiles {
  /** Each file's path, and a renamed file's former path as well. */
  files: string[];
  /** Why more files may have changed than `files` lists; undefined when it lists them all. */
  cut?: string;
}

/** GitHub lists no more than this many files of one pull request, however many it changes. */
export const PULL_REQUEST_FILES_LIMIT = 3000;
/** The most files GitHub gives on one page. */
const FILES_PER_PAGE = 100;

interface PullRequestFileAnswer {
  filename: string;
  previous_filename?: string;
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

  /**
   * The files pull request `number` changes, read page by page as GitHub's Link headers lead. GitHub
   * lists the first 3000 of them and no more: a larger pull request comes back with `cut` set.
   */
  async pullRequestFiles(number: number, signal: AbortSignal): Promise<PullRequestFiles> {
    const files: string[] = [];
    let listed = 0;
    let url: string | undefined = `${this.url}/pulls/${number}/files?per_page=${FILES_PER_PAGE}`;
    while (url !== undefined && listed < PULL_REQUEST_FILES_LIMIT) {
      const response = await this.fetch(url, signal);
      if (!response.ok) throw await this.refusal(response, { pullRequest: number });
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

  /** The `rel="next"` URL of a Link header, when it leads to GitHub's own API, which the token is for. */
  private nextPage(link: string | null): string | undefined {
    const next = link
      ?.split(',')
      .map((part) => /<([^>]+)>\s*;\s*rel="next"/.exec(part)?.[1])
      .find((url) => url !== undefined);
    return next !== undefined && new URL(next).origin === new URL(this.url).origin ? next : undefined;
  }

  private request(path: string, signal: AbortSignal): Promise<Response> {
    return this.fetch(`${this.url}${path}`, signal);
  }

  private async fetch(url: string, signal: AbortSignal): Promise<Response> {
    try {
      return await fetch(url, { headers: gitHubHeaders(await this.gitHub.token()), signal });
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ActionFailedError(`Cannot reach GitHub's API at ${this.gitHub.apiUrl}: ${reason}`, { cause: error });
    }
  }

  /** Why GitHub refused to give `what` (a ref, or a pull request: `{pullRequest}`). */
  private async refusal(response: Response, what: string | { pullRequest: number }): Promise<Error> {
    const answer = (await response.text()).slice(0, 300);
    const ref = typeof what === 'string' ? what : `pull request #${what.pullRequest}`;
    switch (response.status) {
      case 401:
        return new BadInputError(
          `GitHub refused the token when reading ${this.name} (401 ${answer}): it is wrong, expired or revoked. Give Sluice a valid token.`,
        );
      case 404:
        return new NotFoundError(
          typeof what === 'string'
            ? `GitHub found no repository ${this.name} with ref ${ref}, or the token cannot see it (404). Check the repository's owner/name and the ref, and that the token may read the repository's contents.`
            : `GitHub found no ${ref} in ${this.name}, or the token cannot see it (404). Check that the token may read the repository's pull requests.`,
        );
      case 422:
        // GitHub's answer when the repository is there and the ref is not: "No commit found for SHA: <ref>".
        return new NotFoundError(`GitHub found no commit ${ref} in ${this.name} (422 ${answer}). Check the branch name, or push the commit.`);
      default:
        return new ActionFailedError(`GitHub answered ${response.status} when reading ${ref} of ${this.name}: ${answer}`);
    }
  }
}

/** How the webhook reads the files a pull request changes, with `gitHub`'s token. */
export const pullRequestFilesReader =
  (gitHub: GitHubAccess) =>
  (repository: string, number: number, signal: AbortSignal): Promise<PullRequestFiles> =>
    new GitHubRepository(gitHub, repository).pullRequestFiles(number, signal);
