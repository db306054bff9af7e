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
  let body: unknown;
  try {
    body = request.body === '' ? undefined : JSON.parse(request.body);
  } catch {
    return jsonResponse(400, { error: 'Sluice.BadInput', message: 'The body must be JSON.' });
  }
  const result = await handleApiRequest(api, { method: request.method, path: request.path, query: request.query, body });
  return jsonResponse(result.status, result.body);
}
