import { LocalConsoleSessions, SIGN_IN_CODE_MINUTES } from '../../../../lib/adapters/local/console-sessions';
import { ForbiddenError, UnauthorizedError } from '../../../../lib/core/errors';

let now: Date;
const sessions = (secret = 'the secret') =>
  new LocalConsoleSessions({ secret, principal: 'alice', consoleUrl: () => 'http://127.0.0.1:8040/', clock: () => now });
const codeOf = (url: string) => new URL(url).hash.replace('#sign-in=', '');
const minutes = (count: number) => new Date(now.getTime() + count * 60_000);

beforeEach(() => {
  now = new Date('2026-12-07T09:00:00Z');
});

describe('the console sign-in of sluice serve', () => {
  it('gives a link to the console whose code, of 32 random bytes, works once within 5 minutes', () => {
    const signIn = sessions();
    const link = signIn.newLink();
    const code = codeOf(link.url);

    expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:8040\/#sign-in=[A-Za-z0-9_-]{43}$/);
    expect(link.expiresAt).toBe(minutes(SIGN_IN_CODE_MINUTES).toISOString());
    expect(codeOf(signIn.newLink().url)).not.toBe(code);
    now = minutes(SIGN_IN_CODE_MINUTES - 1);
    expect(signIn.redeem(code)).toMatchObject({ principal: 'alice', expiresAt: minutes(12 * 60).toISOString() });
    expect(signIn.redeem(code)).toBeUndefined();
  });

  it('refuses an expired or unknown code', () => {
    const signIn = sessions();
    const code = codeOf(signIn.newLink().url);

    now = minutes(SIGN_IN_CODE_MINUTES);
    expect(signIn.redeem(code)).toBeUndefined();
    expect(signIn.redeem('not a code')).toBeUndefined();
  });

  it('admits reads with the session, changes with its CSRF token too, until the session expires', () => {
    const signIn = sessions();
    const grant = signIn.redeem(codeOf(signIn.newLink().url))!;
    const session = { 'x-sluice-session': grant.token };

    expect(signIn.authenticate('GET', session)).toEqual({ principal: 'alice' });
    expect(signIn.authenticate('POST', { ...session, 'x-sluice-csrf': grant.csrfToken })).toEqual({ principal: 'alice' });
    expect(signIn.authenticate('POST', session)).toBeInstanceOf(ForbiddenError);
    expect(signIn.authenticate('DELETE', { ...session, 'x-sluice-csrf': grant.token })).toBeInstanceOf(ForbiddenError);
    expect(signIn.authenticate('GET', {})).toBeInstanceOf(UnauthorizedError);
    expect(signIn.authenticate('GET', { 'x-sluice-session': [grant.token, grant.token] })).toBeInstanceOf(UnauthorizedError);
    now = minutes(12 * 60);
    expect(signIn.authenticate('GET', session)).toBeInstanceOf(UnauthorizedError);
  });

  it('keeps sessions across a restart on the same secret, and ends them with a new secret', () => {
    const before = sessions();
    const grant = before.redeem(codeOf(before.newLink().url))!;
    const headers = { 'x-sluice-session': grant.token, 'x-sluice-csrf': grant.csrfToken };

    expect(sessions().authenticate('POST', headers)).toEqual({ principal: 'alice' });
    expect(sessions('a new secret').authenticate('POST', headers)).toBeInstanceOf(UnauthorizedError);
  });
});
