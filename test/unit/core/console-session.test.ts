import {
  consoleCsrfToken,
  consoleSessionKey,
  isConsoleCsrfToken,
  signConsoleSession,
  verifyConsoleSession,
  type ConsoleSession,
} from '../../../lib/core/console-session';

const key = consoleSessionKey('the installation secret');
const session: ConsoleSession = { id: 'session-1', principal: 'alice', expiresAt: new Date('2026-12-07T20:00:00Z') };
const before = new Date('2026-12-07T19:59:59Z');

describe('console session tokens', () => {
  it('hold the session they were signed with, until it expires', () => {
    const token = signConsoleSession(key, session);

    expect(verifyConsoleSession(key, token, before)).toEqual(session);
    expect(verifyConsoleSession(key, token, session.expiresAt)).toBeUndefined();
    expect(verifyConsoleSession(key, token, new Date('2026-12-08T00:00:00Z'))).toBeUndefined();
  });

  it('are refused when signed with another secret', () => {
    const token = signConsoleSession(consoleSessionKey('a rotated secret'), session);

    expect(verifyConsoleSession(key, token, before)).toBeUndefined();
  });

  it('are refused when their claims or signature are changed', () => {
    const [claims, signature] = signConsoleSession(key, session).split('.') as [string, string];
    const longer = Buffer.from(JSON.stringify({ id: session.id, principal: session.principal, exp: Date.parse('2027-01-01T00:00:00Z') })).toString('base64url');
    const otherPrincipal = Buffer.from(JSON.stringify({ id: session.id, principal: 'mallory', exp: session.expiresAt.getTime() })).toString('base64url');
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;

    for (const token of [
      `${longer}.${signature}`,
      `${otherPrincipal}.${signature}`,
      `${claims}.${flipped}`,
      `${claims}.`,
      claims,
      `${claims}.${signature}.x`,
      '',
      undefined,
    ]) {
      expect(verifyConsoleSession(key, token, before)).toBeUndefined();
    }
  });

  it('have a CSRF token of their own, which another session or key does not match', () => {
    const csrf = consoleCsrfToken(key, session.id);

    expect(isConsoleCsrfToken(key, session.id, csrf)).toBe(true);
    expect(isConsoleCsrfToken(key, 'session-2', csrf)).toBe(false);
    expect(isConsoleCsrfToken(consoleSessionKey('a rotated secret'), session.id, csrf)).toBe(false);
    expect(isConsoleCsrfToken(key, session.id, undefined)).toBe(false);
    expect(isConsoleCsrfToken(key, session.id, '')).toBe(false);
  });

  it('do not carry the CSRF token or the key', () => {
    const token = signConsoleSession(key, session);

    expect(token).not.toContain(consoleCsrfToken(key, session.id));
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).toBe(
      JSON.stringify({ id: session.id, principal: 'alice', exp: session.expiresAt.getTime() }),
    );
  });
});
