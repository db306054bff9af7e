import type { AuditRecord } from '../core/audit';
import type { OverrideConditionRequest, RuleExecutionDetail, RuleExecutionsRequest, RuleTypeDescription } from '../operations/condition-operations';
import type { ActionOwner, ActionTypeId, PipelineDeclaration } from '../core/declaration';
import { ApiAnswerError, BadInputError, ConflictError, NotFoundError } from '../core/errors';
import type { PipelineEvent } from '../core/events';
import type { Page, PageRequest } from '../core/pages';
import type { PipelineState } from '../core/pipeline-state';
import type { PruneOptions, PruneReport } from '../core/retention';
import type { ActionTypeDescription } from '../operations/action-types';
import type { GitHubWebhookDescription } from '../operations/github-webhooks';
import type * as sluiceApi from '../operations/sluice-api';
import type { ActionExecutionsPage, ActionExecutionsRequest } from '../operations/action-executions';
import type { PipelineExecutionRecord, PipelineVersionRecord, Tag } from '../ports/execution-store';
import type { ConsoleSignInLink } from '../ports/console-sign-in';
import { API_TOKEN_HEADER } from '../ports/http-api';
import { actionExecutionsQuery } from './action-executions-query';

/** `?name=value&…` of the parameters that are set; empty when none is. */
function queryOf(parameters: Record<string, string | number | undefined>): string {
  const set = Object.entries(parameters).filter((entry): entry is [string, string | number] => entry[1] !== undefined);
  return set.length === 0 ? '' : `?${new URLSearchParams(set.map(([name, value]): [string, string] => [name, String(value)])).toString()}`;
}

const stagePath = (pipelineName: string, stageName: string) => `/api/pipelines/${encodeURIComponent(pipelineName)}/stages/${encodeURIComponent(stageName)}`;

/**
 * The SluiceApi of another process, over its HTTP API: how a command reaches the owner of a data
 * dir. Only `sluice serve` can stop executions; another owner answers a stop with a conflict.
 * Any local owner prunes.
 */
export class HttpApiClient implements sluiceApi.SluiceApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  createPipeline(pipeline: PipelineDeclaration, tags?: Tag[]): Promise<sluiceApi.CreatedPipeline> {
    return this.call('POST', '/api/pipelines', { pipeline, ...(tags ? { tags } : {}) });
  }

  updatePipeline(pipeline: PipelineDeclaration): Promise<PipelineVersionRecord> {
    return this.call('PUT', `/api/pipelines/${encodeURIComponent(pipeline.name)}`, { pipeline });
  }

  getPipeline(name: string, version?: number): Promise<sluiceApi.PipelineDescription> {
    return this.call('GET', `/api/pipelines/${encodeURIComponent(name)}${version ? `?version=${version}` : ''}`);
  }

  listPipelines(page: PageRequest = {}): Promise<Page<sluiceApi.PipelineDescription>> {
    return this.call('GET', `/api/pipelines${queryOf({ ...page })}`);
  }

  async deletePipeline(name: string): Promise<void> {
    await this.call('DELETE', `/api/pipelines/${encodeURIComponent(name)}`);
  }

  getPipelineState(name: string): Promise<PipelineState> {
    return this.call('GET', `/api/pipelines/${encodeURIComponent(name)}/state`);
  }

  listPipelineExecutions(name: string, listing: sluiceApi.ExecutionListing = {}): Promise<Page<PipelineExecutionRecord>> {
    return this.call('GET', `/api/pipelines/${encodeURIComponent(name)}/executions${queryOf({ ...listing })}`);
  }

  listActionExecutions(request: ActionExecutionsRequest): Promise<ActionExecutionsPage> {
    return this.call('GET', `/api/pipelines/${encodeURIComponent(request.pipelineName)}/action-executions${actionExecutionsQuery(request)}`);
  }

  getPipelineExecution(executionId: string): Promise<sluiceApi.ExecutionDetail> {
    return this.call('GET', `/api/executions/${encodeURIComponent(executionId)}`);
  }

  listExecutionEvents(executionId: string, wait?: sluiceApi.EventWait): Promise<PipelineEvent[]> {
    const query = wait ? `?after=${wait.after}&waitSeconds=${Math.ceil(wait.waitMs / 1000)}` : '';
    return this.call('GET', `/api/executions/${encodeURIComponent(executionId)}/events${query}`);
  }

  getLogs(executionId: string, actionName?: string): Promise<sluiceApi.ActionLogText[]> {
    const query = actionName ? `?action=${encodeURIComponent(actionName)}` : '';
    return this.call('GET', `/api/executions/${encodeURIComponent(executionId)}/logs${query}`);
  }

  startPipelineExecution(name: string, variables?: Record<string, string>, options: sluiceApi.StartOptions = {}): Promise<{ pipelineExecutionId: string }> {
    return this.call('POST', `/api/pipelines/${encodeURIComponent(name)}/executions`, { variables, ...options });
  }

  stopPipelineExecution(request: sluiceApi.StopExecutionRequest): Promise<{ pipelineExecutionId: string }> {
    const { pipelineName, pipelineExecutionId, reason, abandon } = request;
    return this.call('POST', `/api/pipelines/${encodeURIComponent(pipelineName)}/executions/${encodeURIComponent(pipelineExecutionId)}/stop`, {
      ...(reason ? { reason } : {}),
      ...(abandon ? { abandon } : {}),
    });
  }

  retryStageExecution(request: sluiceApi.RetryStageRequest): Promise<{ pipelineExecutionId: string }> {
    const { pipelineName, stageName, ...body } = request;
    return this.call('POST', `${stagePath(pipelineName, stageName)}/retry`, body);
  }

  rollbackStage(request: sluiceApi.RollbackStageRequest): Promise<{ pipelineExecutionId: string }> {
    const { pipelineName, stageName, ...body } = request;
    return this.call('POST', `${stagePath(pipelineName, stageName)}/rollback`, body);
  }

  async disableStageTransition(request: sluiceApi.DisableTransitionRequest): Promise<void> {
    const { pipelineName, stageName, ...body } = request;
    await this.call('POST', `${stagePath(pipelineName, stageName)}/disable-transition`, body);
  }

  async enableStageTransition(request: sluiceApi.StageTransitionRequest): Promise<void> {
    const { pipelineName, stageName, ...body } = request;
    await this.call('POST', `${stagePath(pipelineName, stageName)}/enable-transition`, body);
  }

  putApprovalResult(request: sluiceApi.ApprovalResultRequest): Promise<{ approvedAt: string }> {
    const { pipelineName, ...body } = request;
    return this.call('POST', `/api/pipelines/${encodeURIComponent(pipelineName)}/approval-results`, body);
  }

  pruneExecutions(options: PruneOptions): Promise<PruneReport> {
    return this.call('POST', '/api/prune', options);
  }

  async tagResource(resourceArn: string, tags: Tag[]): Promise<void> {
    await this.call('POST', '/api/tags', { resourceArn, tags });
  }

  async untagResource(resourceArn: string, tagKeys: string[]): Promise<void> {
    await this.call('POST', '/api/untag', { resourceArn, tagKeys });
  }

  listTagsForResource(resourceArn: string): Promise<Tag[]> {
    return this.call('GET', `/api/tags?resourceArn=${encodeURIComponent(resourceArn)}`);
  }

  async overrideStageCondition(request: OverrideConditionRequest): Promise<void> {
    const { pipelineName, stageName, ...body } = request;
    await this.call('POST', `${stagePath(pipelineName, stageName)}/override-condition`, body);
  }

  listRuleTypes(ruleOwnerFilter?: string): Promise<RuleTypeDescription[]> {
    return this.call('GET', `/api/rule-types${queryOf({ owner: ruleOwnerFilter })}`);
  }

  listRuleExecutions(request: RuleExecutionsRequest): Promise<Page<RuleExecutionDetail>> {
    const { pipelineName, pipelineExecutionId: execution, ...page } = request;
    return this.call('GET', `/api/pipelines/${encodeURIComponent(pipelineName)}/rule-executions${queryOf({ execution, ...page })}`);
  }

  listActionTypes(owner?: ActionOwner): Promise<ActionTypeDescription[]> {
    return this.call('GET', `/api/action-types${owner ? `?owner=${encodeURIComponent(owner)}` : ''}`);
  }

  getActionType(id: ActionTypeId): Promise<ActionTypeDescription> {
    const path = [id.category, id.owner, id.provider, id.version].map(encodeURIComponent).join('/');
    return this.call('GET', `/api/action-types/${path}`);
  }

  listWebhooks(): Promise<GitHubWebhookDescription[]> {
    return this.call('GET', '/api/webhooks');
  }

  putWebhook(): Promise<never> {
    return this.call('POST', '/api/webhooks', {});
  }

  listAuditRecords(listing: sluiceApi.AuditListing = {}): Promise<Page<AuditRecord>> {
    const { pipelineName: pipeline, ...page } = listing;
    return this.call('GET', `/api/audit${queryOf({ pipeline, ...page })}`);
  }

  /** A one-time link that opens the console of this `sluice serve` signed in. */
  newConsoleSignInLink(): Promise<ConsoleSignInLink> {
    return this.call('POST', '/api/console/sign-in-links', {});
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { [API_TOKEN_HEADER]: this.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const payload = (await response.json()) as { error?: string; message?: string };
    if (response.ok) return payload as T;
    const message = payload.message ?? `${method} ${path} answered ${response.status}`;
    if (response.status === 404) throw new NotFoundError(message);
    if (response.status === 400) throw new BadInputError(message);
    if (response.status === 409) throw new ConflictError(message);
    throw new ApiAnswerError({ status: response.status, error: payload.error }, message);
  }
}
