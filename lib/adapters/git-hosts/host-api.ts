import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { ActionFailedError, BadInputError, NotFoundError } from '../../core/errors';
import type { CommitStatus } from '../../ports/commit-status';
import type { FileChange, HostAccess, PullRequestFiles, RepositoryCommit, RepositoryHost } from '../../ports/repository-host';

/** How much of a host's answer an error quotes. */
const QUOTED_ANSWER_LENGTH = 300;

/** The most changed files Sluice reads of one pull request or push, as GitHub lists no more than this of a pull request. */
export const CHANGED_FILES_LIMIT = 3000;

/**
 * What every host's REST API adapter shares: requests with the host's headers, refusals turned
 * into errors that say what to do, and archives streamed to a file. A host adds its paths, its
 * headers and the shapes of its answers.
 */
export abstract class HostApi implements RepositoryHost {
  constructor(
    readonly name: string,
    protected readonly access: HostAccess,
  ) {}

  abstract commit(repository: string, ref: string, signal: AbortSignal): Promise<RepositoryCommit>;
  abstract downloadArchive(repository: string, sha: string, file: string, signal: AbortSignal): Promise<void>;
  abstract report(status: CommitStatus): Promise<void>;
  abstract changedFiles(repository: string, change: FileChange, signal: AbortSignal): Promise<PullRequestFiles>;

  /** The headers of every request, with the token. */
  protected abstract headers(token: string): Record<string, string>;

  /** The API's base URL, without a trailing slash. */
  protected get apiUrl(): string {
    return this.access.apiUrl.replace(/\/+$/, '');
  }

  /** Requests `url` (absolute, or a path under the API) with the host's headers and the token read now. */
  protected async request(url: string, signal?: AbortSignal, init: { method?: string; body?: unknown } = {}): Promise<Response> {
    const headers = this.headers(await this.access.token());
    const target = url.startsWith('/') ? `${this.apiUrl}${url}` : url;
    try {
      return await fetch(target, {
        method: init.method ?? 'GET',
        headers: init.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new ActionFailedError(`Cannot reach ${this.name}'s API at ${this.access.apiUrl}: ${reason}`, { cause: error });
    }
  }

  /** The answer to reading `ref` of `repository`, or the error its refusal means. */
  protected async read(url: string, repository: string, ref: string, signal: AbortSignal): Promise<Response> {
    const response = await this.request(url, signal);
    if (!response.ok || !response.body) throw await this.refusal(response, repository, ref);
    return response;
  }

  /**
   * Changed files read page by page from `url`: `page` gives each page's paths and the URL of
   * the next, which is followed only on the API's own origin, which the token is for. Reading stops
   * at `CHANGED_FILES_LIMIT` files, with `cut` saying so.
   */
  protected async changedFilePages(
    url: string,
    repository: string,
    what: string,
    signal: AbortSignal,
    page: (response: Response) => Promise<{ paths: string[]; next: string | undefined }>,
  ): Promise<PullRequestFiles> {
    const files = new Set<string>();
    let next: string | undefined = url;
    while (next !== undefined && files.size < CHANGED_FILES_LIMIT) {
      const answer = await page(await this.read(next, repository, what, signal));
      for (const path of answer.paths) files.add(path);
      if (answer.next !== undefined && answer.paths.length > 0 && !this.onApiOrigin(answer.next)) {
        // The token goes only to the API's origin: the files past this page stay unread, and the list says so.
        return { files: [...files], cut: this.linkedElsewhere(answer.next, what) };
      }
      next = answer.paths.length === 0 ? undefined : answer.next;
    }
    return { files: [...files], ...(next !== undefined ? { cut: `Sluice reads no more than ${CHANGED_FILES_LIMIT} changed files of ${what}` } : {}) };
  }

  /** Why a list of changed files stops at a page whose next one is on another origin: the token goes only to the API's. */
  protected linkedElsewhere(next: string, what: string): string {
    return `${this.name} linked the next page of ${what}'s changed files to ${new URL(next).origin}, not its API's origin, where Sluice sends no token`;
  }

  /** Whether `url` is on the API's origin, where the token may go. */
  protected onApiOrigin(url: string): boolean {
    return new URL(url).origin === new URL(this.apiUrl).origin;
  }

  /** Streams the body of a successful answer to `file`. */
  protected async saveBody(response: Response, file: string, signal: AbortSignal): Promise<void> {
    await pipeline(Readable.fromWeb(response.body as ReadableStream<Uint8Array>), createWriteStream(file), { signal });
  }

  /** Posts a commit status; a refusal rejects with the host's answer. */
  protected async postStatus(url: string, status: CommitStatus, body: unknown): Promise<void> {
    const response = await this.request(url, undefined, { method: 'POST', body });
    if (!response.ok) {
      throw new Error(
        `${this.name} answered ${response.status} to the ${status.state} status of ${status.repository}@${status.sha}: ${await quoted(response)}`,
      );
    }
  }

  /** What a refused read of `ref` in `repository` means, in words that say what to do. */
  protected async refusal(response: Response, repository: string, ref: string): Promise<Error> {
    const answer = await quoted(response);
    switch (response.status) {
      case 401:
        return new BadInputError(
          `${this.name} refused the token when reading ${repository} (401 ${answer}): it is wrong, expired or revoked. Give Sluice a valid ${this.name} token.`,
        );
      case 403:
        return new BadInputError(
          `${this.name} does not let the token read ${repository} (403 ${answer}). Give the token read access to the repository's contents.`,
        );
      case 404:
        return new NotFoundError(
          `${this.name} found no repository ${repository} with ref ${ref}, or the token cannot see it (404 ${answer}). Check the repository's FullRepositoryId and the ref, and that the token may read the repository's contents.`,
        );
      default:
        return new ActionFailedError(`${this.name} answered ${response.status} when reading ${ref} of ${repository}: ${answer}`);
    }
  }
}

/** The start of a host's answer, which errors quote. */
export async function quoted(response: Response): Promise<string> {
  return (await response.text()).slice(0, QUOTED_ANSWER_LENGTH);
}

/** The `rel="next"` URL of a Link header (GitHub's and GitLab's pagination), if there is one. */
export function linkedNextPage(link: string | null): string | undefined {
  return link
    ?.split(',')
    .map((part) => /<([^>]+)>\s*;\s*rel="next"/.exec(part)?.[1])
    .find((url) => url !== undefined);
}

/** `description` cut to `max` characters, which a host refuses more than. */
export function shortened(description: string, max: number): string {
  return description.length <= max ? description : `${description.slice(0, max - 1)}…`;
}

/** `workspace/name` (or GitLab's `group/subgroup/name`) split into its parts; anything else is refused, naming the form. */
export function repositoryPath(repository: string, form: string, minParts = 2, maxParts = 2): string[] {
  const parts = repository.split('/');
  if (parts.length < minParts || parts.length > maxParts || parts.some((part) => part === '')) {
    throw new BadInputError(`${repository} is not a repository's FullRepositoryId (${form}).`);
  }
  return parts;
}
