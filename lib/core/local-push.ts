/**
 * A commit to a local git repository, told as the `push` payload GitHub would send for it, so that
 * `sluice hook notify` goes through the very webhook route that GitHub's deliveries take. The
 * repository's URL is its `file://` URL, which a Custom/Git source on that path matches.
 */

/** What `git` says about the commit that HEAD now points to. */
export interface LocalCommit {
  /** The absolute path of the repository's working tree. */
  repositoryDir: string;
  branch: string;
  sha: string;
  /** The first parent; undefined for a repository's first commit. */
  parent: string | undefined;
  message: string;
  author: { name: string; email: string };
  /** ISO 8601. */
  timestamp: string;
  added: string[];
  modified: string[];
  removed: string[];
}

/** GitHub's `before` for a push that creates a branch. */
const NO_COMMIT = '0000000000000000000000000000000000000000';

export function localPushPayload(commit: LocalCommit): Record<string, unknown> {
  const url = `file://${commit.repositoryDir}`;
  const name = commit.repositoryDir.split('/').filter(Boolean).pop() ?? 'repository';
  const headCommit = {
    id: commit.sha,
    distinct: true,
    message: commit.message,
    timestamp: commit.timestamp,
    url,
    author: commit.author,
    committer: commit.author,
    added: commit.added,
    modified: commit.modified,
    removed: commit.removed,
  };
  return {
    ref: `refs/heads/${commit.branch}`,
    before: commit.parent ?? NO_COMMIT,
    after: commit.sha,
    created: commit.parent === undefined,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: url,
    commits: [headCommit],
    head_commit: headCommit,
    // There is no GitHub owner: the repository is known as local/<directory name> and by its URL.
    repository: { name, full_name: `local/${name}`, private: true, url, clone_url: url, default_branch: commit.branch },
    pusher: commit.author,
  };
}
