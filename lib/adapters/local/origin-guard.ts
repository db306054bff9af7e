import type { IncomingHttpHeaders } from 'node:http';

/** Why a listener refuses a request before it looks at anything else of it. */
export interface Refusal {
  status: 421 | 403;
  message: string;
}

export interface ServedOrigins {
  /** The port the listener is on, on loopback. */
  port: number;
  /** The URL a proxy or tunnel serves it at, when there is one. */
  publicUrl?: URL;
  /** What to tell someone whose Host is refused, after the names that are served. */
  hostHint?: string;
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
/** Methods that change nothing, which a page of any origin may send. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** `Sec-Fetch-Site` values of requests a page of another origin started. */
const FOREIGN_FETCH_SITES = new Set(['cross-site', 'same-site']);

/**
 * The check a loopback listener makes of every request, so that no web page can drive it:
 * - Host must name the listener (a loopback name with its port, or the public URL's host). With
 *   DNS rebinding, a page's own host name comes to resolve to 127.0.0.1, and its requests then
 *   reach the listener as same-origin ones, but they still carry that name as Host.
 * - A request that may change something must not come from another origin: a page can send a form
 *   POST to any origin without a preflight. Browsers say where a request comes from in `Origin`
 *   (`null` from sandboxed frames and the like, refused too) and `Sec-Fetch-Site`. Clients that
 *   are not browsers (the CLI, GitHub) send neither.
 *
 * No CORS header is ever granted, so no page of another origin can read an answer either.
 */
export function originGuard(served: ServedOrigins): (method: string, headers: IncomingHttpHeaders) => Refusal | undefined {
  const origins = new Set(LOOPBACK_NAMES.map((name) => new URL(`http://${name}:${served.port}`).origin));
  if (served.publicUrl) origins.add(served.publicUrl.origin);
  const hosts = [...origins].map((origin) => new URL(origin).host);
  return (method, headers) => {
    const host = headers.host?.toLowerCase();
    if (!host || !hosts.includes(host)) {
      const named = host ? `the Host ${host}` : 'a request without Host';
      return { status: 421, message: `This server answers to ${hosts.join(', ')}, not to ${named}.${served.hostHint ? ` ${served.hostHint}` : ''}` };
    }
    if (SAFE_METHODS.has(method)) return undefined;
    const origin = headers.origin;
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      return {
        status: 403,
        message: `${method} requests from a page of ${origin} are refused: only Sluice's own pages, and clients that are not browsers, may change anything here.`,
      };
    }
    const site = headers['sec-fetch-site'];
    if (site !== undefined && FOREIGN_FETCH_SITES.has(site)) {
      return { status: 403, message: `${method} requests that a page of another site started (Sec-Fetch-Site: ${site}) are refused.` };
    }
    return undefined;
  };
}
