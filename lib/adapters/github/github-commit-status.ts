import type { CommitStatus, CommitStatusReporter } from '../../ports/commit-status';

export const GITHUB_API_URL = 'https://api.github.com';
/** GitHub refuses a longer description with 422. */
const MAX_DESCRIPTION_LENGTH = 140;

export interface GitHubCommitStatusOptions {
  token: string;
  /** GitHub Enterprise's is `https://<host>/api/v3`. */
  apiUrl?: string;
}

function shortened(description: string): string {
  return description.length <= MAX_DESCRIPTION_LENGTH ? description : `${description.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…`;
}

/** Creates commit statuses through GitHub's REST API (`POST /repos/{owner}/{repo}/statuses/{sha}`). */
export class GitHubCommitStatusReporter implements CommitStatusReporter {
  private readonly apiUrl: string;

  constructor(private readonly options: GitHubCommitStatusOptions) {
    this.apiUrl = (options.apiUrl ?? GITHUB_API_URL).replace(/\/+$/, '');
  }

  async report(status: CommitStatus): Promise<void> {
    const [owner, name, ...rest] = status.repository.split('/');
    if (!owner || !name || rest.length > 0) throw new Error(`${status.repository} is not a GitHub repository (owner/name).`);
    const url = `${this.apiUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/statuses/${encodeURIComponent(status.sha)}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${this.options.token}`,
        'content-type': 'application/json',
        'user-agent': 'sluice',
        'x-github-api-version': '2022-11-28',
      },
      body: JSON.stringify({
        state: status.state,
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
        description: shortened(status.description),
        context: status.context,
      }),
    });
    if (!response.ok) {
      const answer = (await response.text()).slice(0, 300);
      throw new Error(`GitHub answered ${response.status} to the ${status.state} status of ${status.repository}@${status.sha}: ${answer}`);
    }
  }
}
