import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { lookup } from 'mime-types';
import { ConsoleNotBuiltError, NotFoundError, UnauthorizedError, BadInputError } from '../core/errors';
import type { ConsoleSignIn } from '../ports/console-sign-in';
import type { ConsoleConfig } from './console-config';
import type { HttpRequest, HttpResponse } from './http-types';
import { jsonApiRequest, jsonResponse } from './json-api';

/** The console's bundle, as `npm run build` makes it, and what the page is told at start. */
export interface ConsoleBundle {
  /** The directory of index.html, with the hashed files under `assets/`. */
  assetsDir: string;
  config: ConsoleConfig;
}

/** Vite names every file of `assets/` after its content, so a name is never reused for other bytes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A file name of `assets/`: no separator, no leading dot, so nothing outside the directory can be named. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** The origins the page fetches from besides its own: the Cognito domain and issuer where it signs in there. */
function connectSources(config: ConsoleConfig): string[] {
  if (config.auth.kind !== 'cognito') return [];
  return [...new Set([new URL(`https://${config.auth.domain}`).origin, new URL(config.auth.authority).origin])];
}

/**
 * The headers of every console answer: the page runs only its own scripts and styles, talks only
 * to its own origin (and its sign-in's), and cannot be framed or send its address anywhere.
 */
export function consoleHeaders(config: ConsoleConfig): Record<string, string> {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connectSources(config)].join(' '),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
  return { 'content-security-policy': policy, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
}

async function consoleFile(bundle: ConsoleBundle, relative: string, cacheControl: string): Promise<HttpResponse> {
  const file = path.join(bundle.assetsDir, relative);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
    await readFile(path.join(bundle.assetsDir, 'index.html')).catch(() => Promise.reject(new ConsoleNotBuiltError(bundle.assetsDir)));
    throw new NotFoundError(`The console has no file ${relative}: the page asking for it is of another build. Reload it.`);
  }
  return {
    status: 200,
    headers: {
      'content-type': lookup(file) || 'application/octet-stream',
      'cache-control': cacheControl,
      ...consoleHeaders(bundle.config),
    },
    body: bytes.toString('base64'),
    isBase64Encoded: true,
  };
}

/** `GET /`: the page, never cached, so that a new build is seen at the next load. */
export const consolePage = (bundle: ConsoleBundle): Promise<HttpResponse> => consoleFile(bundle, 'index.html', 'no-store');

/** `GET /assets/{file}`: a file of the build, named by its content. */
export function consoleAsset(bundle: ConsoleBundle, name: string): Promise<HttpResponse> {
  if (!ASSET_NAME.test(name)) return Promise.reject(new NotFoundError(`The console has no file assets/${name}.`));
  return consoleFile(bundle, path.join('assets', name), IMMUTABLE);
}

/** `GET /console/config.json`: how the page signs in and follows executions here. It holds no secret. */
export const consoleConfigAnswer = (bundle: ConsoleBundle): HttpResponse => jsonResponse(200, bundle.config, consoleHeaders(bundle.config));

/** `POST /api/console/sign-in-links`: a one-time link that opens the console signed in, for `sluice console`. */
export const signInLinkAnswer = (signIn: ConsoleSignIn): HttpResponse => jsonResponse(201, signIn.newLink());

/** `POST /console/sessions` with `{"code": "..."}`: the session a sign-in link's code opens, once. */
export function consoleSessionAnswer(signIn: ConsoleSignIn, request: HttpRequest): HttpResponse {
  const { code } = (jsonApiRequest(request).body ?? {}) as { code?: unknown };
  if (typeof code !== 'string' || code === '') throw new BadInputError('The body must be {"code": "<the code of the sign-in link>"}.');
  const grant = signIn.redeem(code);
  if (!grant) throw new UnauthorizedError('This sign-in link is unknown, used or expired: run `sluice console` for a new one.');
  return jsonResponse(201, grant);
}
