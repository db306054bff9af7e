import { gitHubHeaders, repositoryApiUrl } from '../../core/github-api';
import type { CommitStatus, CommitStatusReporter } from '../../ports/commit-status';
import type { GitHubAccess } from '../../ports/github-access';

/** GitHub refuses a longer description with 422. */
const MAX_DESCRIPTION_LENGTH = 140;

function shortened(description: string): string {
  return description.length <= MAX_DESCRIPTION_LENGTH ? description : `${description.slice(0, MAX_DESCRIPTION_LENGTH - 1)}…`;
}

/** Creates commit statuses through GitHub's REST API (`POST /repos/{owner}/{repo}/statuses/{sha}`). */
export class GitHubCommitStatusReporter implements CommitStatusReporter {
  constructor(private readonly gitHub: GitHubAccess) {}

  async report(status: CommitStatus): Promise<void> {
    const url = `${repositoryApiUrl(this.gitHub.apiUrl, status.repository)}/statuses/${encodeURIComponent(status.sha)}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...gitHubHeaders(await this.gitHub.token()), 'content-type': 'application/json' },
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
