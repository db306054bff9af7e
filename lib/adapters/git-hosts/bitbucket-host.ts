import type { CommitState, CommitStatus } from '../../ports/commit-status';
import type { FileChange, PullRequestFiles, RepositoryCommit } from '../../ports/repository-host';
import { HostApi, repositoryPath, shortened } from './host-api';

interface CommitAnswer {
  hash: string;
  message: string;
  /** The author's date. */
  date?: string;
  links: { html: { href: string } };
}

/** One page of a diffstat: each file's status, with its path before and after (null where it did not exist). */
interface DiffstatAnswer {
  values: { old: { path: string } | null; new: { path: string } | null }[];
  next?: string;
}

interface RepositoryAnswer {
  links: { html: { href: string } };
}

/** Bitbucket Cloud's build states for Sluice's commit states. */
const BUILD_STATES: Record<CommitState, string> = { pending: 'INPROGRESS', success: 'SUCCESSFUL', failure: 'FAILED', error: 'STOPPED' };

/** Bitbucket keeps a build status's description to this length. */
const MAX_DESCRIPTION_LENGTH = 255;

/**
 * Bitbucket Cloud's REST API 2.0: commits (`GET /repositories/{workspace}/{repo}/commit/{rev}`),
 * the repository's zip at `<its page>/get/<sha>.zip`, and build statuses
 * (`POST /repositories/{workspace}/{repo}/commit/{sha}/statuses/build`). A token of the form
 * `user:password` (an app password, or an Atlassian account's email and API token) authenticates
 * as Basic; any other (a repository, project or workspace access token) as the bearer.
 */
export class BitbucketHost extends HostApi {
  protected headers(token: string): Record<string, string> {
    const authorization = token.includes(':') ? `Basic ${Buffer.from(token, 'utf8').toString('base64')}` : `Bearer ${token}`;
    return { accept: 'application/json', authorization, 'user-agent': 'sluice' };
  }

  async commit(repository: string, ref: string, signal: AbortSignal): Promise<RepositoryCommit> {
    const answer = (await (
      await this.read(`${this.repositoryPath(repository)}/commit/${encodeURIComponent(ref)}`, repository, ref, signal)
    ).json()) as CommitAnswer;
    return { sha: answer.hash, message: answer.message, authorDate: answer.date, htmlUrl: answer.links.html.href };
  }

  /** Bitbucket's zip holds one top-level folder, `<workspace>-<repo>-<sha12>/`, with the tree inside it. */
  async downloadArchive(repository: string, sha: string, file: string, signal: AbortSignal): Promise<void> {
    const page = await this.repositoryPage(repository, signal);
    const response = await this.read(`${page}/get/${encodeURIComponent(sha)}.zip`, repository, sha, signal);
    await this.saveBody(response, file, signal);
  }

  /** Bitbucket requires a status's link: without an execution to link to, it is the commit's page. */
  async report(status: CommitStatus): Promise<void> {
    const url = status.targetUrl ?? `${await this.repositoryPage(status.repository)}/commits/${status.sha}`;
    await this.postStatus(`${this.repositoryPath(status.repository)}/commit/${encodeURIComponent(status.sha)}/statuses/build`, status, {
      key: status.context,
      name: status.context,
      state: BUILD_STATES[status.state],
      description: shortened(status.description, MAX_DESCRIPTION_LENGTH),
      url,
    });
  }

  /**
   * A pull request's diffstat (`/pullrequests/{id}/diffstat`), or the diffstat from one commit to
   * another (`/diffstat/{to}..{from}`), read page by page as its `next` links lead.
   */
  async changedFiles(repository: string, change: FileChange, signal: AbortSignal): Promise<PullRequestFiles> {
    const [url, what] =
      'pullRequest' in change
        ? [`${this.repositoryPath(repository)}/pullrequests/${change.pullRequest}/diffstat`, `pull request #${change.pullRequest}`]
        : [`${this.repositoryPath(repository)}/diffstat/${encodeURIComponent(change.to)}..${encodeURIComponent(change.from)}`, `${change.from}..${change.to}`];
    return this.changedFilePages(url, repository, what, signal, async (response) => {
      const page = (await response.json()) as DiffstatAnswer;
      return { paths: page.values.flatMap((file) => [file.new?.path, file.old?.path].filter((path): path is string => path !== undefined)), next: page.next };
    });
  }

  /** The repository's page on Bitbucket (`https://bitbucket.org/<workspace>/<repo>`), as its API links it. */
  private async repositoryPage(repository: string, signal?: AbortSignal): Promise<string> {
    const response = await this.request(this.repositoryPath(repository), signal);
    if (!response.ok) throw await this.refusal(response, repository, 'its default branch');
    return ((await response.json()) as RepositoryAnswer).links.html.href.replace(/\/+$/, '');
  }

  private repositoryPath(repository: string): string {
    return `/repositories/${repositoryPath(repository, 'workspace/repository').map(encodeURIComponent).join('/')}`;
  }
}
