import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import type { ConsoleConfig } from '../../../lib/api/console-config';
import type { ConsoleAuth } from './types';

type CognitoConfig = Extract<ConsoleConfig['auth'], { kind: 'cognito' }>;

/** Cognito's hosted sign-in comes back to the console's root with these in the query. */
const isSignInAnswer = (url: URL) => url.searchParams.has('state') && (url.searchParams.has('code') || url.searchParams.has('error'));

/** The ID token's expiry has passed: the page never refreshes it, so its user is signed out. */
const expired = (user: User) => (user.profile.exp ?? 0) * 1000 <= Date.now();

/**
 * Signs in on AWS through the stack's Cognito user pool: its hosted sign-in pages with the
 * authorization code grant and PKCE (oidc-client-ts), back to the console's root. The tokens stay
 * in this tab's sessionStorage; each `/console/api/` request carries the ID token, which API
 * Gateway's JWT authorizer checks. When the token expires, the user is signed out: there is no
 * silent renewal.
 *
 * @example
 * const auth = cognitoAuth(config.auth);
 * if (!(await auth.resume())) show(auth.signInPrompt());
 */
export function cognitoAuth(config: CognitoConfig): ConsoleAuth {
  const root = `${window.location.origin}/`;
  const manager = new UserManager({
    authority: config.authority,
    client_id: config.clientId,
    redirect_uri: root,
    post_logout_redirect_uri: root,
    response_type: 'code',
    scope: config.scopes.join(' '),
    // Cognito's discovery document has no end_session_endpoint: its hosted domain signs out at /logout.
    metadataSeed: { end_session_endpoint: `https://${config.domain}/logout` },
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
    monitorSession: false,
  });
  let user: User | null = null;
  let failure: string | undefined;

  const forget = () => {
    user = null;
    void manager.removeUser();
  };

  const signedIn = () => {
    if (user && expired(user)) forget();
    return user;
  };

  return {
    headers: () => {
      const current = signedIn();
      return current?.id_token ? { authorization: `Bearer ${current.id_token}` } : undefined;
    },
    resume: async () => {
      const url = new URL(window.location.href);
      if (isSignInAnswer(url)) {
        try {
          user = await manager.signinRedirectCallback(url.href);
          failure = undefined;
        } catch (error) {
          failure = error instanceof Error ? error.message : String(error);
        } finally {
          // The code is single use, and the address bar should not show it.
          window.history.replaceState(null, '', `${url.pathname}${url.hash}`);
        }
      } else {
        user = await manager.getUser();
      }
      return signedIn() !== null;
    },
    signOut: () => {
      user = null;
      // Without an ID token to hint with, oidc-client-ts names the client, which Cognito's /logout
      // wants with logout_uri, its own name for where to go back.
      void manager.removeUser().then(() => manager.signoutRedirect({ extraQueryParams: { logout_uri: root } }));
    },
    forget,
    signInPrompt: () => ({
      text: failure ? `Signing in failed: ${failure}. Sign in again.` : 'Sign in with your Sluice console account.',
      button: { label: 'Sign in', action: () => void manager.signinRedirect() },
    }),
  };
}
