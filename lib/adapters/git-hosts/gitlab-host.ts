import type { CommitState, CommitStatus } from '../../ports/commit-status';
import type { FileChange, PullRequestFiles, RepositoryCommit } from '../../ports/repository-host';
import { HostApi, linkedNextPage, repositoryPath, shortened } from './host-api';

interface CommitAnswer {
  id: string;
  message: string;
  authored_date?: string;
  web_url: string;
}

/** One file of a merge request's diffs, or of a comparison. */
interface DiffAnswer {
  old_path: string;
  new_path: string;
}

interface CompareAnswer {
  diffs: DiffAnswer[];
  /** GitLab gave up comparing: the diffs may be incomplete. */
  compare_timeout?: boolean;
}

/** The most diffs GitLab gives on one page. */
const DIFFS_PER_PAGE = 100;

/** GitLab's commit status states for Sluice's: `running`, since a pending one waits to start. */
const STATUS_STATES: Record<CommitState, string> = { pending: 'running', success: 'success', failure: 'failed', error: 'canceled' };

/** GitLab keeps a status's description to this length. */
const MAX_DESCRIPTION_LENGTH = 255;

/** A project's path is `group/name`, or deeper in subgroups; GitLab allows 20 levels of them. */
const MAX_PROJECT_PATH_PARTS = 21;

/**
 * GitLab's REST API v4, at gitlab.com or a self-managed server's `/api/v4`: commits
 * (`GET /projects/:id/repository/commits/:sha`), zips (`GET /projects/:id/repository/archive.zip?sha=`)
 * and commit statuses (`POST /projects/:id/statuses/:sha`). `:id` is the project's path,
 * URL-encoded; the token (personal, project or group access token) is the bearer.
 */
export class GitLabHost extends HostApi {
  protected headers(token: string): Record<string, string> {
    return { accept: 'application/json', authorization: `Bearer ${token}`, 'user-agent': 'sluice' };
  }

  async commit(repository: string, ref: string, signal: AbortSignal): Promise<RepositoryCommit> {
    const url = `${this.projectPath(repository)}/repository/commits/${encodeURIComponent(ref)}`;
    const answer = (await (await this.read(url, repository, ref, signal)).json()) as CommitAnswer;
    return { sha: answer.id, message: answer.message, authorDate: answer.authored_date, htmlUrl: answer.web_url };
  }

  /** GitLab's zip holds one top-level folder, `<project>-<sha>-<sha>/`, with the tree inside it. */
  async downloadArchive(repository: string, sha: string, file: string, signal: AbortSignal): Promise<void> {
    const response = await this.read(`${this.projectPath(repository)}/repository/archive.zip?sha=${encodeURIComponent(sha)}`, repository, sha, signal);
    await this.saveBody(response, file, signal);
  }

  async report(status: CommitStatus): Promise<void> {
    await this.postStatus(`${this.projectPath(status.repository)}/statuses/${encodeURIComponent(status.sha)}`, status, {
      state: STATUS_STATES[status.state],
      name: status.context,
      description: shortened(status.description, MAX_DESCRIPTION_LENGTH),
      ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
    });
  }

  /**
   * A merge request's diffs (`GET /projects/:id/merge_requests/:iid/diffs`, page by page as the
   * Link headers lead), or a comparison of two commits
   * (`GET /projects/:id/repository/compare?from=&to=`).
   */
  async changedFiles(repository: string, change: FileChange, signal: AbortSignal): Promise<PullRequestFiles> {
    const paths = (diffs: DiffAnswer[]) => diffs.flatMap((diff) => [diff.new_path, diff.old_path]);
    if ('pullRequest' in change) {
      const url = `${this.projectPath(repository)}/merge_requests/${change.pullRequest}/diffs?per_page=${DIFFS_PER_PAGE}`;
      return this.changedFilePages(url, repository, `merge request !${change.pullRequest}`, signal, async (response) => ({
        paths: paths((await response.json()) as DiffAnswer[]),
        next: linkedNextPage(response.headers.get('link')),
      }));
    }
    const query = new URLSearchParams({ from: change.from, to: change.to });
    const url = `${this.projectPath(repository)}/repository/compare?${query.toString()}`;
    const answer = (await (await this.read(url, repository, `${change.from}..${change.to}`, signal)).json()) as CompareAnswer;
    return {
      files: [...new Set(paths(answer.diffs))],
      ...(answer.compare_timeout ? { cut: `GitLab timed out comparing ${change.from} with ${change.to}` } : {}),
    };
  }

  private projectPath(repository: string): string {
    return `/projects/${encodeURIComponent(repositoryPath(repository, 'group/project, or group/subgroup/project', 2, MAX_PROJECT_PATH_PARTS).join('/'))}`;
  }
}
