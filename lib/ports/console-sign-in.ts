import type { IncomingHttpHeaders } from 'node:http';
import type { SluiceError } from '../core/errors';

/** The header that carries a console session's token, on every `/console/api/` request of the page. */
export const CONSOLE_SESSION_HEADER = 'x-sluice-session';
/** The header that carries the session's CSRF token, on every such request that is not GET or HEAD. */
export const CONSOLE_CSRF_HEADER = 'x-sluice-csrf';

/** A one-time link that opens the console signed in. */
export interface ConsoleSignInLink {
  url: string;
  expiresAt: string;
}

/** What the page keeps once a sign-in link's code is redeemed. */
export interface ConsoleSessionGrant {
  token: string;
  csrfToken: string;
  principal: string;
  expiresAt: string;
}

/**
 * Signing in to the console where the server holds the sign-in codes (`sluice serve`): `sluice
 * console` asks for a link, and the page it opens trades the link's code for a session.
 */
export interface ConsoleSignIn {
  newLink(): ConsoleSignInLink;
  /** The session a code opens, once: undefined for a code that is unknown, used or expired. */
  redeem(code: string): ConsoleSessionGrant | undefined;
}

/** Checks a console request's session, where the server does what API Gateway's authorizer does on AWS. */
export interface ConsoleSessionCheck {
  /** The principal of a request's valid session; the refusal (401 or 403) otherwise. */
  authenticate(method: string, headers: IncomingHttpHeaders): { principal: string } | SluiceError;
}
