import type { CommitStatusReporter } from './commit-status';

/** An API of a repository host, and the token Sluice reads it with. */
export interface HostAccess {
  /** `https://api.github.com`, `https://api.bitbucket.org/2.0`, `https://gitlab.com/api/v4`, or a server's own. */
  apiUrl: string;
  /** Read when it is needed, so that a rotated token applies at once. */
  token(): Promise<string>;
}

/** What Sluice keeps of a commit that a host's API describes. */
export interface RepositoryCommit {
  sha: string;
  message: string;
  /** ISO 8601, as the host gives it; a host may leave a commit's author out. */
  authorDate?: string;
  /** The commit's page on the host. */
  htmlUrl: string;
}

/**
 * One repository host (GitHub, Bitbucket Cloud, GitLab, or a server of theirs), read through its
 * REST API: commits, the code of one of them, and commit statuses.
 *
 * @example
 * const commit = await host.commit('octo/app', 'main', signal);
 * await host.downloadArchive('octo/app', commit.sha, 'workspace/code.zip', signal);
 */
export interface RepositoryHost extends CommitStatusReporter {
  /** How messages name the host: `GitHub`, `Bitbucket`, `GitLab`. */
  readonly name: string;
  /** The commit that `ref`, a branch name or a sha, names now in `repository` (the connection's FullRepositoryId). */
  commit(repository: string, ref: string, signal: AbortSignal): Promise<RepositoryCommit>;
  /** Streams the host's zip of commit `sha` to `file`: one top-level folder, with the tree inside it. */
  downloadArchive(repository: string, sha: string, file: string, signal: AbortSignal): Promise<void>;
  /** The files a pull request changes, or that changed from one commit to another (a push's before and after). */
  changedFiles(repository: string, change: FileChange, signal: AbortSignal): Promise<PullRequestFiles>;
}

/** What changed files are asked for: those of pull request (or merge request) `pullRequest`, or those between two commits. */
export type FileChange = { pullRequest: number } | { from: string; to: string };

/** The files a pull request (or a push) changes, as far as its host lists them. */
export interface PullRequestFiles {
  /** Each file's path, and a renamed file's former path as well. */
  files: string[];
  /** Why more files may have changed than `files` lists; undefined when it lists them all. */
  cut?: string;
}

/**
 * The host each connection reaches, as the installation configures it; a status goes to the host
 * of the connection it names.
 */
export interface RepositoryHosts extends CommitStatusReporter {
  /** The host of the connection; it refuses, saying where to set one, when no token is configured for that host. */
  forConnection(connectionArn: string | undefined): Promise<RepositoryHost>;
}
