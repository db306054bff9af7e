/** Sluice's access to GitHub's REST API: commit statuses, and the code of CodeStarSourceConnection sources. */
export interface GitHubAccess {
  /** `https://api.github.com`, or GitHub Enterprise's `https://<host>/api/v3`. */
  apiUrl: string;
  /** Read when it is needed, so that a rotated token applies at once. */
  token(): Promise<string>;
}
