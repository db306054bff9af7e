import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import {
  CONSOLE_SESSION_HOURS,
  consoleCsrfToken,
  consoleSessionKey,
  isConsoleCsrfToken,
  signConsoleSession,
  verifyConsoleSession,
} from '../../core/console-session';
import { ForbiddenError, UnauthorizedError } from '../../core/errors';
import {
  CONSOLE_CSRF_HEADER,
  CONSOLE_SESSION_HEADER,
  type ConsoleSessionCheck,
  type ConsoleSessionGrant,
  type ConsoleSignIn,
  type ConsoleSignInLink,
} from '../../ports/console-sign-in';
import { SecretFile } from './secret-file';

/** How long a sign-in link works: long enough to reach the browser, short enough that one found later is useless. */
export const SIGN_IN_CODE_MINUTES = 5;
/** Methods a page may send with the session alone; any other must carry the CSRF token too. */
const READING_METHODS = new Set(['GET', 'HEAD']);

export interface LocalConsoleSessionsOptions {
  /** The secret in the data dir that session tokens are signed with a key derived from. */
  secret: string;
  /** Who signs in: the user who owns the data dir, the only one who can ask for a link. */
  principal: string;
  /** Where the console is served, the link's base. */
  consoleUrl: () => string;
  clock: () => Date;
}

/**
 * The console's sign-in on `sluice serve`: one-time codes held in this process's memory, traded
 * for stateless session tokens (lib/core/console-session.ts).
 */
export class LocalConsoleSessions implements ConsoleSignIn, ConsoleSessionCheck {
  private readonly key: Buffer;
  /** Each unused code, with the time it stops working. */
  private readonly codes = new Map<string, number>();

  constructor(private readonly options: LocalConsoleSessionsOptions) {
    this.key = consoleSessionKey(options.secret);
  }

  newLink(): ConsoleSignInLink {
    const now = this.options.clock().getTime();
    for (const [code, expiresAt] of this.codes) if (expiresAt <= now) this.codes.delete(code);
    const code = randomBytes(32).toString('base64url');
    const expiresAt = now + SIGN_IN_CODE_MINUTES * 60_000;
    this.codes.set(code, expiresAt);
    return { url: new URL(`/#sign-in=${code}`, this.options.consoleUrl()).href, expiresAt: new Date(expiresAt).toISOString() };
  }

  redeem(code: string): ConsoleSessionGrant | undefined {
    const expiresAt = this.codes.get(code);
    this.codes.delete(code);
    const now = this.options.clock();
    if (expiresAt === undefined || expiresAt <= now.getTime()) return undefined;
    const session = { id: randomUUID(), principal: this.options.principal, expiresAt: new Date(now.getTime() + CONSOLE_SESSION_HOURS * 3_600_000) };
    return {
      token: signConsoleSession(this.key, session),
      csrfToken: consoleCsrfToken(this.key, session.id),
      principal: session.principal,
      expiresAt: session.expiresAt.toISOString(),
    };
  }

  authenticate(method: string, headers: IncomingHttpHeaders): { principal: string } | UnauthorizedError | ForbiddenError {
    const session = verifyConsoleSession(this.key, single(headers[CONSOLE_SESSION_HEADER]), this.options.clock());
    if (!session) return new UnauthorizedError('No valid console session: run `sluice console` to open the console signed in.');
    if (!READING_METHODS.has(method) && !isConsoleCsrfToken(this.key, session.id, single(headers[CONSOLE_CSRF_HEADER]))) {
      return new ForbiddenError(`Missing or wrong ${CONSOLE_CSRF_HEADER}: a ${method} request must carry the CSRF token its session was given.`);
    }
    return { principal: session.principal };
  }
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? undefined : value);

/** The data dir's secret that console sessions are signed with; removing the file ends every session. */
export const consoleSessionSecret = (dataDir: string): Promise<string> =>
  new SecretFile(path.join(dataDir, 'console-session-secret'), () => randomBytes(32).toString('base64url')).read();
