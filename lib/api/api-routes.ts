import { BadInputError, ConflictError, NotFoundError, SluiceError } from '../core/errors';
import type { PipelineDeclaration } from '../core/declaration';
import { pathParameter } from './path-parameter';
import { isPrunable, isStoppable, type ApprovalResultRequest, type EventWait, type SluiceApi } from '../operations/sluice-api';

export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  body?: unknown;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

type Route = (api: SluiceApi, params: string[], request: ApiRequest) => Promise<unknown>;

const declarationOf = (request: ApiRequest): PipelineDeclaration => {
  const body = request.body as { pipeline?: PipelineDeclaration } | undefined;
  if (!body?.pipeline) throw new BadInputError('The body must be {"pipeline": {...}}, as in CodePipeline\'s CreatePipeline.');
  return body.pipeline;
};

/** A follower waits at most this long for an event, well inside any proxy's idle timeout. */
export const MAX_EVENT_WAIT_SECONDS = 25;

const wholeNumber = (name: string, text: string): number => {
  if (!/^\d+$/.test(text)) throw new BadInputError(`${name} must be a whole number, not "${text}".`);
  return Number(text);
};

const positiveNumber = (name: string, text: string): number => {
  const number = wholeNumber(name, text);
  if (number < 1) throw new BadInputError(`${name} must be at least 1.`);
  return number;
};

/** `?after=N&waitSeconds=S`: the events after the first N, waiting up to S seconds for one. */
function eventWaitOf(request: ApiRequest): EventWait | undefined {
  const { after, waitSeconds } = request.query;
  if (after === undefined && waitSeconds === undefined) return undefined;
  const seconds = waitSeconds === undefined ? 0 : wholeNumber('waitSeconds', waitSeconds);
  if (seconds > MAX_EVENT_WAIT_SECONDS) throw new BadInputError(`waitSeconds may be at most ${MAX_EVENT_WAIT_SECONDS}.`);
  return { after: after === undefined ? 0 : wholeNumber('after', after), waitMs: seconds * 1000 };
}

/** `/api/...`: CodePipeline's operations over HTTP, as `sluice` and the console call them. */
const ROUTES: [method: string, path: RegExp, route: Route][] = [
  ['GET', /^\/api\/pipelines$/, (api) => api.listPipelines()],
  ['POST', /^\/api\/pipelines$/, (api, _, request) => api.createPipeline(declarationOf(request))],
  ['GET', /^\/api\/pipelines\/([^/]+)$/, (api, [name], request) => api.getPipeline(name!, request.query.version ? positiveNumber('version', request.query.version) : undefined)],
  ['PUT', /^\/api\/pipelines\/([^/]+)$/, (api, [name], request) => {
    const declaration = declarationOf(request);
    if (declaration.name !== name) throw new BadInputError(`The declaration is named ${declaration.name}, not ${name}.`);
    return api.updatePipeline(declaration);
  }],
  ['DELETE', /^\/api\/pipelines\/([^/]+)$/, async (api, [name]) => {
    await api.deletePipeline(name!);
    return { deleted: name };
  }],
  ['GET', /^\/api\/pipelines\/([^/]+)\/state$/, (api, [name]) => api.getPipelineState(name!)],
  ['POST', /^\/api\/pipelines\/([^/]+)\/executions$/, (api, [name], request) =>
    api.startPipelineExecution(name!, ((request.body ?? {}) as { variables?: Record<string, string> }).variables)],
  ['GET', /^\/api\/pipelines\/([^/]+)\/executions$/, (api, [name], request) => api.listPipelineExecutions(name!, request.query.limit ? positiveNumber('limit', request.query.limit) : undefined)],
  ['POST', /^\/api\/pipelines\/([^/]+)\/executions\/([^/]+)\/stop$/, (api, [name, id], request) => {
    if (!isStoppable(api)) {
      throw new ConflictError('Locally, an execution stops only with the process it runs in: stop sluice serve, or press Ctrl-C in its sluice run or sluice start-pipeline-execution.');
    }
    const { reason } = (request.body ?? {}) as { reason?: unknown };
    if (reason !== undefined && typeof reason !== 'string') throw new BadInputError('The body may have a reason, a string, as StopPipelineExecution does.');
    return api.stopPipelineExecution({ pipelineName: name!, pipelineExecutionId: id!, ...(reason ? { reason } : {}) });
  }],
  ['GET', /^\/api\/executions\/([^/]+)$/, (api, [id]) => api.getPipelineExecution(id!)],
  ['GET', /^\/api\/executions\/([^/]+)\/events$/, (api, [id], request) => api.listExecutionEvents(id!, eventWaitOf(request))],
  ['GET', /^\/api\/executions\/([^/]+)\/logs$/, (api, [id], request) => api.getLogs(id!, request.query.action)],
  ['POST', /^\/api\/pipelines\/([^/]+)\/approval-results$/, (api, [name], request) => {
    const body = (request.body ?? {}) as Partial<ApprovalResultRequest>;
    const status = body.result?.status;
    if (!body.stageName || !body.actionName || !body.token || (status !== 'Approved' && status !== 'Rejected')) {
      throw new BadInputError('The body needs stageName, actionName, token and result {status: Approved|Rejected, summary}, as PutApprovalResult does.');
    }
    return api.putApprovalResult({ ...body, pipelineName: name!, result: { status, summary: body.result?.summary ?? '' } } as ApprovalResultRequest);
  }],
  ['POST', /^\/api\/prune$/, (api, _, request) => {
    if (!isPrunable(api)) throw new ConflictError('Only a local installation prunes its data: run sluice prune on its data dir.');
    // The options are checked where they are used, whichever way they come.
    return api.pruneExecutions(request.body ?? {});
  }],
];

const STATUS_BY_ERROR = new Map<new (...args: never[]) => SluiceError, number>([
  [NotFoundError, 404],
  [BadInputError, 400],
  [ConflictError, 409],
]);

/** Routes one request to the API and maps Sluice's errors to HTTP statuses; anything else is a 500. */
export async function handleApiRequest(api: SluiceApi, request: ApiRequest): Promise<ApiResponse> {
  const matching = ROUTES.filter(([, pattern]) => pattern.test(request.path));
  if (matching.length === 0) return { status: 404, body: { error: 'Sluice.NotFound', message: `No API route ${request.path}.` } };
  const route = matching.find(([method]) => method === request.method);
  if (!route) return { status: 405, body: { error: 'Sluice.MethodNotAllowed', message: `${request.path} allows ${matching.map(([method]) => method).join(', ')}.` } };
  try {
    const params = route[1].exec(request.path)!.slice(1).map((segment) => pathParameter(segment));
    return { status: 200, body: await route[2](api, params, request) };
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    const status = [...STATUS_BY_ERROR].find(([type]) => error instanceof type)?.[1] ?? 409;
    return { status, body: { error: error.name, message: error.message } };
  }
}
