import { BadInputError } from '../core/errors';
import { parseJsonWithinLimits, REQUEST_BODY_LIMITS } from '../core/text-limits';
import type { ApiRequest } from './api-routes';
import type { HttpRequest, HttpResponse } from './http-types';

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

/** An `/api/...` request with its JSON body parsed within Sluice's limits. */
export function jsonApiRequest(request: HttpRequest): ApiRequest {
  const parsed = request.body === '' ? { ok: true as const, value: undefined } : parseJsonWithinLimits(request.body, REQUEST_BODY_LIMITS);
  if (!parsed.ok) throw new BadInputError(`The body must be JSON within Sluice's limits: ${parsed.errors[0]}.`);
  return { method: request.method, path: request.path, query: request.query, body: parsed.value };
}
