import type { ConsoleAuth } from './types';

/** Where the session is kept: localStorage is per origin, port included, unlike a cookie. */
export const SESSION_KEY = 'sluice.console.session';

const SIGN_IN_PROMPT = 'Run `sluice console` to open the console signed in.';

/** What `POST /console/sessions` answers for a sign-in code. */
interface LocalSession {
  token: string;
  csrfToken: string;
  principal: string;
  expiresAt: string;
}

const isSession = (value: unknown): value is LocalSession =>
  typeof value === 'object' &&
  value !== null &&
  ['token', 'csrfToken', 'principal', 'expiresAt'].every((key) => typeof (value as Record<string, unknown>)[key] === 'string');

const live = (session: LocalSession | undefined): LocalSession | undefined => (session && Date.parse(session.expiresAt) > Date.now() ? session : undefined);

function storedSession(): LocalSession | undefined {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
    return isSession(value) ? live(value) : undefined;
  } catch {
    return undefined;
  }
}

/** The code of a `#sign-in=<code>` link, which `sluice console` opens. */
const signInCode = (hash: string): string | undefined => /^#sign-in=([A-Za-z0-9_-]+)$/.exec(hash)?.[1];

/**
 * `sluice serve`'s sign-in: a one-time link from `sluice console` gives a code, which the page
 * trades for a session; every request then carries the session, and a CSRF token when it changes
 * something.
 */
export function localAuth(): ConsoleAuth {
  let session = storedSession();
  let refusal: string | undefined;
  const forget = () => {
    session = undefined;
    localStorage.removeItem(SESSION_KEY);
  };
  return {
    headers(method) {
      session = live(session);
      if (!session) return undefined;
      const changes = method !== 'GET' && method !== 'HEAD';
      return { 'x-sluice-session': session.token, ...(changes ? { 'x-sluice-csrf': session.csrfToken } : {}) };
    },
    async resume() {
      const code = signInCode(location.hash);
      if (code === undefined) return live(session) !== undefined;
      // The code is single use; it leaves the address bar (and the history) before anything else.
      history.replaceState(null, '', location.pathname + location.search);
      const response = await fetch('/console/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
      const body: unknown = await response.json().catch(() => undefined);
      if (response.status !== 201 || !isSession(body)) {
        refusal = (body as { message?: string } | undefined)?.message ?? `The sign-in link was refused (${response.status}).`;
        return live(session) !== undefined;
      }
      session = body;
      refusal = undefined;
      localStorage.setItem(SESSION_KEY, JSON.stringify(body));
      return true;
    },
    // The session is this page's alone (the server keeps none): ending it is forgetting it.
    signOut: forget,
    forget,
    signInPrompt() {
      return { text: refusal ? `${refusal} ${SIGN_IN_PROMPT}` : SIGN_IN_PROMPT };
    },
  };
}
