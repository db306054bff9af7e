import { parseJsonWithinLimits, REQUEST_BODY_LIMITS } from '../core/text-limits';
import type { SluiceApi } from '../operations/sluice-api';
import { handleApiRequest } from './api-routes';
import type { HttpRequest, HttpResponse } from './http-types';

export const jsonResponse = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** `/api/...` with JSON in and out, once the caller has been authenticated. */
export async function handleJsonApiRequest(api: SluiceApi, request: HttpRequest): Promise<HttpResponse> {
  const parsed = request.body === '' ? { ok: true as const, value: undefined } : parseJsonWithinLimits(request.body, REQUEST_BODY_LIMITS);
  if (!parsed.ok) return jsonResponse(400, { error: 'Sluice.BadInput', message: `The body must be JSON within Sluice's limits: ${parsed.errors[0]}.` });
  const result = await handleApiRequest(api, { method: request.method, path: request.path, query: request.query, body: parsed.value });
  return jsonResponse(result.status, result.body);
}
