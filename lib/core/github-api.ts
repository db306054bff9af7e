import { BadInputError } from './errors';

export const GITHUB_API_URL = 'https://api.github.com';

/** The headers GitHub's REST API asks for, with `token` as the bearer. */
export function gitHubHeaders(token: string): Record<string, string> {
  return {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'user-agent': 'sluice',
    'x-github-api-version': '2022-11-28',
  };
}

/** `{apiUrl}/repos/{owner}/{name}` of `repository`, which must be `owner/name`. */
export function repositoryApiUrl(apiUrl: string, repository: string): string {
  const [owner, name, ...rest] = repository.split('/');
  if (!owner || !name || rest.length > 0) throw new BadInputError(`${repository} is not a GitHub repository (owner/name).`);
  return `${apiUrl.replace(/\/+$/, '')}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
}
