import { BadInputError } from '../core/errors';
import type { ActionOwner, ActionTypeId, PipelineDeclaration } from '../core/declaration';
import type { PageRequest } from '../core/pages';
import type { ApprovalResultRequest, EventWait, SluiceApi, StartOptions } from '../operations/sluice-api';
import type { Tag } from '../ports/execution-store';
import { actionExecutionsRequestOf } from './action-executions-query';

export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  body?: unknown;
}

/** One route of `/api/...`: its path parameters come percent-decoded, its body parsed. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** A path template, `{name}` standing for one segment. */
  path: string;
  run: (api: SluiceApi, params: Record<string, string>, request: ApiRequest) => Promise<unknown>;
}

const bodyOf = (request: ApiRequest) => (request.body ?? {}) as Record<string, unknown>;

const tagsOf = (value: unknown): Tag[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((tag) => typeof tag?.key !== 'string' || typeof tag?.value !== 'string')) {
    throw new BadInputError('tags must be a list of {key, value}, both strings, as in CodePipeline.');
  }
  return value as Tag[];
};

/** A member whose text the operation checks, as a transition's type and reason: missing, it is the empty string the operation refuses. */
const textOf = (body: Record<string, unknown>, name: string): string => {
  const value = body[name];
  if (value !== undefined && typeof value !== 'string') throw new BadInputError(`${name} must be a string, as in DisableStageTransition.`);
  return value ?? '';
};

const resourceArnOf = (value: unknown): string => {
  if (typeof value !== 'string' || value === '') throw new BadInputError('resourceArn is required: the ARN get-pipeline shows in its metadata.');
  return value;
};

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

/** `?maxResults=N&nextToken=T`: which page of a listing. */
const pageRequestOf = ({ query }: ApiRequest): PageRequest => ({
  ...(query.maxResults ? { maxResults: positiveNumber('maxResults', query.maxResults) } : {}),
  ...(query.nextToken ? { nextToken: query.nextToken } : {}),
});

/** `?after=N&waitSeconds=S`: the events after the first N, waiting up to S seconds for one. */
function eventWaitOf(request: ApiRequest): EventWait | undefined {
  const { after, waitSeconds } = request.query;
  if (after === undefined && waitSeconds === undefined) return undefined;
  const seconds = waitSeconds === undefined ? 0 : wholeNumber('waitSeconds', waitSeconds);
  if (seconds > MAX_EVENT_WAIT_SECONDS) throw new BadInputError(`waitSeconds may be at most ${MAX_EVENT_WAIT_SECONDS}.`);
  return { after: after === undefined ? 0 : wholeNumber('after', after), waitMs: seconds * 1000 };
}

const route = (method: ApiRoute['method'], path: string, run: ApiRoute['run']): ApiRoute => ({ method, path, run });

/** `/api/...`: CodePipeline's operations over HTTP, as `sluice` and the console call them. */
export const API_ROUTES: ApiRoute[] = [
  route('GET', '/api/pipelines', (api, _, request) => api.listPipelines(pageRequestOf(request))),
  route('POST', '/api/pipelines', (api, _, request) => api.createPipeline(declarationOf(request), tagsOf(bodyOf(request).tags))),
  route('GET', '/api/pipelines/{name}', (api, { name }, request) =>
    api.getPipeline(name!, request.query.version ? positiveNumber('version', request.query.version) : undefined),
  ),
  route('PUT', '/api/pipelines/{name}', (api, { name }, request) => {
    const declaration = declarationOf(request);
    if (declaration.name !== name) throw new BadInputError(`The declaration is named ${declaration.name}, not ${name}.`);
    return api.updatePipeline(declaration);
  }),
  route('DELETE', '/api/pipelines/{name}', async (api, { name }) => {
    await api.deletePipeline(name!);
    return { deleted: name };
  }),
  route('GET', '/api/pipelines/{name}/state', (api, { name }) => api.getPipelineState(name!)),
  route('POST', '/api/pipelines/{name}/executions', (api, { name }, request) => {
    const { variables, sourceRevisions, clientRequestToken } = bodyOf(request) as { variables?: Record<string, string> } & StartOptions;
    if (sourceRevisions !== undefined && !Array.isArray(sourceRevisions)) {
      throw new BadInputError('sourceRevisions must be a list of {actionName, revisionType, revisionValue}, as in StartPipelineExecution.');
    }
    if (clientRequestToken !== undefined && typeof clientRequestToken !== 'string') throw new BadInputError('clientRequestToken must be a string.');
    return api.startPipelineExecution(name!, variables, { sourceRevisions, clientRequestToken });
  }),
  route('GET', '/api/pipelines/{name}/executions', (api, { name }, request) =>
    api.listPipelineExecutions(name!, {
      ...pageRequestOf(request),
      ...(request.query.succeededInStage ? { succeededInStage: request.query.succeededInStage } : {}),
    }),
  ),
  route('POST', '/api/pipelines/{name}/executions/{id}/stop', (api, { name, id }, request) => {
    const { reason, abandon } = bodyOf(request);
    if (reason !== undefined && typeof reason !== 'string') throw new BadInputError('The body may have a reason, a string, as StopPipelineExecution does.');
    if (abandon !== undefined && typeof abandon !== 'boolean') throw new BadInputError('abandon must be true or false, as in StopPipelineExecution.');
    return api.stopPipelineExecution({ pipelineName: name!, pipelineExecutionId: id!, ...(reason ? { reason } : {}), ...(abandon ? { abandon } : {}) });
  }),
  route('POST', '/api/pipelines/{name}/stages/{stage}/retry', (api, { name, stage }, request) => {
    const body = bodyOf(request);
    return api.retryStageExecution({
      pipelineName: name!,
      stageName: stage!,
      pipelineExecutionId: textOf(body, 'pipelineExecutionId'),
      retryMode: textOf(body, 'retryMode'),
    });
  }),
  route('POST', '/api/pipelines/{name}/stages/{stage}/rollback', (api, { name, stage }, request) => {
    const target = bodyOf(request).targetPipelineExecutionId;
    if (target !== undefined && typeof target !== 'string') throw new BadInputError('targetPipelineExecutionId must be a string, as in RollbackStage.');
    return api.rollbackStage({ pipelineName: name!, stageName: stage!, ...(target ? { targetPipelineExecutionId: target } : {}) });
  }),
  route('POST', '/api/pipelines/{name}/stages/{stage}/disable-transition', async (api, { name, stage }, request) => {
    const body = bodyOf(request);
    await api.disableStageTransition({
      pipelineName: name!,
      stageName: stage!,
      transitionType: textOf(body, 'transitionType'),
      reason: textOf(body, 'reason'),
    });
    return {};
  }),
  route('POST', '/api/pipelines/{name}/stages/{stage}/enable-transition', async (api, { name, stage }, request) => {
    await api.enableStageTransition({ pipelineName: name!, stageName: stage!, transitionType: textOf(bodyOf(request), 'transitionType') });
    return {};
  }),
  route('GET', '/api/pipelines/{name}/action-executions', (api, { name }, request) =>
    api.listActionExecutions(actionExecutionsRequestOf(name!, request.query)),
  ),
  route('GET', '/api/executions/{id}', (api, { id }) => api.getPipelineExecution(id!)),
  route('GET', '/api/executions/{id}/events', (api, { id }, request) => api.listExecutionEvents(id!, eventWaitOf(request))),
  route('GET', '/api/executions/{id}/logs', (api, { id }, request) => api.getLogs(id!, request.query.action)),
  route('POST', '/api/pipelines/{name}/approval-results', (api, { name }, request) => {
    const body = (request.body ?? {}) as Partial<ApprovalResultRequest>;
    const status = body.result?.status;
    if (!body.stageName || !body.actionName || !body.token || (status !== 'Approved' && status !== 'Rejected')) {
      throw new BadInputError('The body needs stageName, actionName, token and result {status: Approved|Rejected, summary}, as PutApprovalResult does.');
    }
    return api.putApprovalResult({ ...body, pipelineName: name!, result: { status, summary: body.result?.summary ?? '' } } as ApprovalResultRequest);
  }),
  // The options are checked where they are used, whichever way they come.
  route('POST', '/api/prune', (api, _, request) => api.pruneExecutions(request.body ?? {})),
  route('GET', '/api/tags', (api, _, request) => api.listTagsForResource(resourceArnOf(request.query.resourceArn))),
  route('POST', '/api/tags', async (api, _, request) => {
    const body = bodyOf(request);
    await api.tagResource(resourceArnOf(body.resourceArn), tagsOf(body.tags));
    return {};
  }),
  route('POST', '/api/untag', async (api, _, request) => {
    const { resourceArn, tagKeys } = bodyOf(request);
    if (!Array.isArray(tagKeys) || tagKeys.some((key) => typeof key !== 'string')) throw new BadInputError('tagKeys must be a list of strings.');
    await api.untagResource(resourceArnOf(resourceArn), tagKeys as string[]);
    return {};
  }),
  route('POST', '/api/pipelines/{name}/stages/{stage}/override-condition', async (api, { name, stage }, request) => {
    const body = bodyOf(request);
    await api.overrideStageCondition({
      pipelineName: name!,
      stageName: stage!,
      pipelineExecutionId: textOf(body, 'pipelineExecutionId'),
      conditionType: textOf(body, 'conditionType'),
    });
    return {};
  }),
  route('GET', '/api/rule-types', (api, _, request) => api.listRuleTypes(request.query.owner)),
  route('GET', '/api/pipelines/{name}/rule-executions', (api, { name }, request) =>
    api.listRuleExecutions({
      pipelineName: name!,
      ...pageRequestOf(request),
      ...(request.query.execution ? { pipelineExecutionId: request.query.execution } : {}),
    }),
  ),
  route('GET', '/api/action-types', (api, _, request) => api.listActionTypes(request.query.owner as ActionOwner | undefined)),
  route('GET', '/api/action-types/{category}/{owner}/{provider}/{version}', (api, params) => api.getActionType(params as ActionTypeId)),
  route('GET', '/api/webhooks', (api) => api.listWebhooks()),
  route('POST', '/api/webhooks', (api) => api.putWebhook()),
  route('GET', '/api/audit', (api, _, request) =>
    api.listAuditRecords({ ...pageRequestOf(request), ...(request.query.pipeline ? { pipelineName: request.query.pipeline } : {}) }),
  ),
];
