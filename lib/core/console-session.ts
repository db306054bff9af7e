import { createHmac } from 'node:crypto';
import { sameSecret } from './same-secret';

/** What a console session token says of its holder; the token is this, signed. */
export interface ConsoleSession {
  /** Names the session, and ties its CSRF token to it. */
  id: string;
  /** Who signed in: whom the API records as the caller of what the session does. */
  principal: string;
  expiresAt: Date;
}

/** How long a session lasts from its sign-in: a working day, after which `sluice console` signs in again. */
export const CONSOLE_SESSION_HOURS = 12;

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest('base64url');

/**
 * The key sessions are signed with, derived from a secret of the installation: a session
 * survives a restart of the server, and no session outlives a new secret.
 */
export const consoleSessionKey = (secret: string): Buffer => createHmac('sha256', secret).update('sluice console sessions', 'utf8').digest();

/**
 * A session as a token the page holds: its claims and their HMAC-SHA256, both base64url, joined
 * by a dot. Nothing is stored: the server verifies the signature and the expiry.
 */
export function signConsoleSession(key: Buffer, session: ConsoleSession): string {
  const claims = Buffer.from(JSON.stringify({ id: session.id, principal: session.principal, exp: session.expiresAt.getTime() })).toString('base64url');
  return `${claims}.${hmac(key, claims)}`;
}

/** The session a token holds, if it is signed with `key` and unexpired at `now`; undefined otherwise. */
export function verifyConsoleSession(key: Buffer, token: string | undefined, now: Date): ConsoleSession | undefined {
  const [claims, signature, ...rest] = (token ?? '').split('.');
  if (!claims || !signature || rest.length > 0 || !sameSecret(signature, hmac(key, claims))) return undefined;
  const { id, principal, exp } = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { id?: unknown; principal?: unknown; exp?: unknown };
  if (typeof id !== 'string' || typeof principal !== 'string' || typeof exp !== 'number' || exp <= now.getTime()) return undefined;
  return { id, principal, expiresAt: new Date(exp) };
}

/**
 * The CSRF token of a session, which a request that changes anything carries besides the
 * session token: derived from the session id, so it needs no storage either.
 */
export const consoleCsrfToken = (key: Buffer, sessionId: string): string => hmac(key, `csrf:${sessionId}`);

/** Whether `given` is the CSRF token of the session, compared in constant time. */
export const isConsoleCsrfToken = (key: Buffer, sessionId: string, given: string | undefined): boolean => sameSecret(given, consoleCsrfToken(key, sessionId));
