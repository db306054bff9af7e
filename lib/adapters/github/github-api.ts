import { BadInputError } from '../../core/errors';
import type { GitHubAccess } from '../../ports/github-access';

export const GITHUB_API_URL = 'https://api.github.com';

/** The headers GitHub's REST API asks for, with the token as it is now. */
export async function gitHubHeaders(gitHub: GitHubAccess): Promise<Record<string, string>> {
  return {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${await gitHub.token()}`,
    'user-agent': 'sluice',
    'x-github-api-version': '2022-11-28',
  };
}

/** `{apiUrl}/repos/{owner}/{name}` of `repository`, which must be `owner/name`. */
export function repositoryApiUrl(gitHub: GitHubAccess, repository: string): string {
  const [owner, name, ...rest] = repository.split('/');
  if (!owner || !name || rest.length > 0) throw new BadInputError(`${repository} is not a GitHub repository (owner/name).`);
  return `${gitHub.apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}
