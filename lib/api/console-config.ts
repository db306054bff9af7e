/**
 * What the console page is told at `GET /console/config.json` before it asks anything else: how
 * its user signs in, and how it follows a running execution. The same bundle runs on both
 * runtimes; only this differs.
 */
export type ConsoleAuthConfig =
  /** `sluice serve`: a one-time sign-in link from `sluice console`, then a session the page holds. */
  | { kind: 'local' }
  /** On AWS: Cognito's hosted sign-in (OAuth code flow with PKCE); the HTTP API's JWT authorizer checks the ID token. */
  | { kind: 'cognito'; authority: string; domain: string; clientId: string; scopes: string[] };

export interface ConsoleConfig {
  auth: ConsoleAuthConfig;
  /** `sse`: the server streams events (locally); `poll`: API Gateway cannot stream, so the page polls. */
  live: 'sse' | 'poll';
}
