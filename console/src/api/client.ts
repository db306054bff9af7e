import type { ActionExecutionsPage } from '../../../lib/operations/action-executions';
import type { ExecutionDetail, PipelineDescription } from '../../../lib/operations/sluice-api';
import type { Page } from '../../../lib/core/pages';
import type { PipelineEvent } from '../../../lib/core/events';
import type { PipelineState } from '../../../lib/core/pipeline-state';
import type { PipelineExecutionRecord } from '../../../lib/ports/execution-store';
import type { ConsoleAuth } from '../auth/types';

/** A request the server refused or could not answer: its status, and the message it gave. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An artifact's zip as the server gives it: whole, or as a link that downloads it. */
export type ArtifactZip = { zip: Blob } | { link: string };

/** `/console/api/<rest>`: the JSON routes of `/api/<rest>`, as the signed-in user. */
export const API_BASE = '/console/api';

const enc = encodeURIComponent;

/**
 * The HTTP API as the console calls it. `signedOut` is told when the server no longer takes the
 * session, so that the page asks its user to sign in again.
 */
export function consoleApi(auth: ConsoleAuth, signedOut: () => void) {
  /** The headers that authenticate a request, or a refusal when the user is signed out. */
  function authenticated(method: string): Record<string, string> {
    const headers = auth.headers(method);
    if (headers) return headers;
    signedOut();
    throw new ApiError(401, 'You are signed out.');
  }

  /** A request's answer, or an ApiError with the server's message. */
  async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const response = await fetch(API_BASE + path, {
      method,
      headers: { ...authenticated(method), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
    if (response.ok) return response;
    const message = ((await response.json().catch(() => undefined)) as { message?: string } | undefined)?.message;
    if (response.status === 401) {
      auth.forget();
      signedOut();
    }
    throw new ApiError(response.status, message ?? `${method} ${path} failed: ${response.status} ${response.statusText}`);
  }

  const json = async <T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> =>
    (await (await send(method, path, body, signal)).json()) as T;
  const get = <T>(path: string, signal?: AbortSignal) => json<T>('GET', path, undefined, signal);
  const post = <T>(path: string, body: unknown) => json<T>('POST', path, body);
  const pipeline = (name: string) => `/pipelines/${enc(name)}`;
  const stage = (name: string, stageName: string) => `${pipeline(name)}/stages/${enc(stageName)}`;

  return {
    send,
    headers: authenticated,
    listPipelines: (nextToken?: string) => get<Page<PipelineDescription>>(`/pipelines${nextToken ? `?nextToken=${enc(nextToken)}` : ''}`),
    getPipeline: (name: string) => get<PipelineDescription>(pipeline(name)),
    getPipelineState: (name: string) => get<PipelineState>(`${pipeline(name)}/state`),
    listExecutions: (name: string, page: { maxResults?: number; nextToken?: string } = {}) => {
      const query = new URLSearchParams({
        ...(page.maxResults ? { maxResults: String(page.maxResults) } : {}),
        ...(page.nextToken ? { nextToken: page.nextToken } : {}),
      }).toString();
      return get<Page<PipelineExecutionRecord>>(`${pipeline(name)}/executions${query ? `?${query}` : ''}`);
    },
    getExecution: (id: string) => get<ExecutionDetail>(`/executions/${enc(id)}`),
    listExecutionEvents: (id: string, after: number, waitSeconds: number, signal?: AbortSignal) =>
      get<PipelineEvent[]>(`/executions/${enc(id)}/events?after=${after}&waitSeconds=${waitSeconds}`, signal),
    getActionLog: async (id: string, action: string) => (await get<{ text: string }[]>(`/executions/${enc(id)}/logs?action=${enc(action)}`))[0]?.text ?? '',
    listActionExecutions: (name: string, executionId: string) =>
      get<ActionExecutionsPage>(`${pipeline(name)}/action-executions?pipelineExecutionId=${enc(executionId)}`),
    startExecution: (name: string, variables: Record<string, string>) =>
      post<{ pipelineExecutionId: string }>(`${pipeline(name)}/executions`, Object.keys(variables).length > 0 ? { variables } : {}),
    stopExecution: (name: string, id: string, request: { reason?: string; abandon: boolean }) =>
      post<{ pipelineExecutionId: string }>(`${pipeline(name)}/executions/${enc(id)}/stop`, request),
    retryStage: (name: string, stageName: string, pipelineExecutionId: string, retryMode: 'FAILED_ACTIONS' | 'ALL_ACTIONS') =>
      post<{ pipelineExecutionId: string }>(`${stage(name, stageName)}/retry`, { pipelineExecutionId, retryMode }),
    rollbackStage: (name: string, stageName: string) => post<{ pipelineExecutionId: string }>(`${stage(name, stageName)}/rollback`, {}),
    disableTransition: (name: string, stageName: string, reason: string) =>
      post<object>(`${stage(name, stageName)}/disable-transition`, { transitionType: 'Inbound', reason }),
    enableTransition: (name: string, stageName: string) => post<object>(`${stage(name, stageName)}/enable-transition`, { transitionType: 'Inbound' }),
    putApprovalResult: (name: string, request: { stageName: string; actionName: string; token: string; status: 'Approved' | 'Rejected'; summary: string }) =>
      post<{ approvedAt: string }>(`${pipeline(name)}/approval-results`, {
        stageName: request.stageName,
        actionName: request.actionName,
        token: request.token,
        result: { status: request.status, summary: request.summary },
      }),
    /** The zip itself where the server streams it (`sluice serve`), or a presigned URL of it where it cannot (API Gateway on AWS). */
    artifactZip: async (executionId: string, artifactName: string): Promise<ArtifactZip> => {
      const response = await send('GET', `/executions/${enc(executionId)}/artifacts/${enc(artifactName)}`);
      if (response.headers.get('content-type')?.startsWith('application/json')) return { link: ((await response.json()) as { url: string }).url };
      return { zip: await response.blob() };
    },
  };
}

export type ConsoleApi = ReturnType<typeof consoleApi>;
