import { arnRegionAndAccount, actionErrorCode } from '../core/events';
import { BadInputError, InvalidNextTokenError, PipelineExecutionNotFoundError, PipelineNotFoundError } from '../core/errors';
import type { ActionTypeId } from '../core/declaration';
import type { ActionExecutionStatus } from '../core/status';
import type { ActionArtifact, ActionExecutionRecord, ExecutionPosition, ExecutionStore, PipelineExecutionRecord } from '../ports/execution-store';

/** ListActionExecutions' request, in CodePipeline's fields. */
export interface ActionExecutionsRequest {
  pipelineName: string;
  filter?: {
    pipelineExecutionId?: string;
    /** The action executions of one execution; with startTimeRange Latest, only the latest of each action. */
    latestInPipelineExecution?: { pipelineExecutionId: string; startTimeRange: 'Latest' | 'All' };
  };
  maxResults?: number;
  nextToken?: string;
}

export interface ArtifactDetail {
  name: string;
  s3location: { bucket: string; key: string };
}

/** CodePipeline's ActionExecutionDetail, its times in ISO 8601. */
export interface ActionExecutionDetail {
  pipelineExecutionId: string;
  actionExecutionId: string;
  pipelineVersion: number;
  stageName: string;
  actionName: string;
  startTime: string;
  lastUpdateTime: string;
  updatedBy?: string;
  status: ActionExecutionStatus;
  input: {
    actionTypeId: ActionTypeId;
    configuration: Record<string, string>;
    resolvedConfiguration: Record<string, string>;
    roleArn?: string;
    region: string;
    inputArtifacts: ArtifactDetail[];
    namespace?: string;
  };
  output: {
    outputArtifacts: ArtifactDetail[];
    executionResult?: {
      externalExecutionId?: string;
      externalExecutionSummary?: string;
      externalExecutionUrl?: string;
      errorDetails?: { code: string; message: string };
    };
    outputVariables: Record<string, string>;
  };
}

export interface ActionExecutionsPage {
  actionExecutionDetails: ActionExecutionDetail[];
  nextToken?: string;
}

/** CodePipeline's bounds and default for maxResults. */
export const MAX_ACTION_EXECUTIONS = 100;

/** Executions read from the store at a time, while a page fills. */
const EXECUTIONS_PER_READ = 25;

export const toArtifactDetails = (artifacts: ActionArtifact[]): ArtifactDetail[] =>
  artifacts.map(({ name, s3location }) => ({ name, s3location: { bucket: s3location.bucketName, key: s3location.objectKey } }));

/**
 * An action execution as ListActionExecutions shows it. `installationRegion` is where an action
 * runs that names no region of its own.
 */
export function actionExecutionDetail(execution: PipelineExecutionRecord, record: ActionExecutionRecord, installationRegion: string): ActionExecutionDetail {
  const { input, output, errorDetails } = record;
  const executionResult = {
    ...output?.executionResult,
    ...(errorDetails ? { errorDetails: { code: actionErrorCode(errorDetails.code), message: errorDetails.message } } : {}),
  };
  const decision = record.approval?.decision;
  return {
    pipelineExecutionId: record.pipelineExecutionId,
    actionExecutionId: record.actionExecutionId,
    pipelineVersion: execution.pipelineVersion,
    stageName: record.stageName,
    actionName: record.actionName,
    startTime: record.startTime,
    lastUpdateTime: record.lastUpdateTime,
    ...(decision ? { updatedBy: decision.approver } : {}),
    status: record.status,
    input: {
      actionTypeId: input.actionTypeId,
      configuration: input.configuration,
      resolvedConfiguration: input.resolvedConfiguration,
      ...(input.roleArn ? { roleArn: input.roleArn } : {}),
      region: input.region ?? installationRegion,
      inputArtifacts: toArtifactDetails(input.inputArtifacts),
      ...(input.namespace ? { namespace: input.namespace } : {}),
    },
    output: {
      outputArtifacts: toArtifactDetails(output?.outputArtifacts ?? []),
      ...(Object.keys(executionResult).length > 0 ? { executionResult } : {}),
      outputVariables: output?.outputVariables ?? {},
    },
  };
}

/** An execution's actions as they are listed: the latest started first. */
export function newestFirst(actions: ActionExecutionRecord[]): ActionExecutionRecord[] {
  return [...actions].sort((a, b) => b.startTime.localeCompare(a.startTime) || a.actionExecutionId.localeCompare(b.actionExecutionId));
}

/** Of each stage's action, only its latest execution. */
export function latestOfEachAction(actions: ActionExecutionRecord[]): ActionExecutionRecord[] {
  const seen = new Set<string>();
  return newestFirst(actions).filter((action) => {
    const key = `${action.stageName}/${action.actionName}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Where a page ends: the execution it stopped in, and how many of its action executions came before. */
interface PagePosition {
  /** The request the token belongs to: a token goes on with the same pipeline and filter only. */
  request: string;
  execution: ExecutionPosition;
  skip: number;
}

const requestKey = (request: ActionExecutionsRequest) => JSON.stringify([request.pipelineName, request.filter ?? {}]);

export function encodeNextToken(position: PagePosition): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a token gives, for this same request; any other token is refused. */
export function decodeNextToken(token: string, request: ActionExecutionsRequest): PagePosition {
  let position: Partial<PagePosition> | undefined;
  try {
    position = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PagePosition>;
  } catch {
    position = undefined;
  }
  const valid =
    typeof position?.request === 'string' &&
    typeof position.execution?.startTime === 'string' &&
    typeof position.execution.pipelineExecutionId === 'string' &&
    Number.isInteger(position.skip) &&
    position.skip! >= 0;
  if (!valid) throw new InvalidNextTokenError('The nextToken is not one that ListActionExecutions gave. Leave it out to list from the start.');
  if (position!.request !== requestKey(request)) {
    throw new InvalidNextTokenError(
      'The nextToken belongs to another ListActionExecutions request: give the same pipelineName and filter as that request did.',
    );
  }
  return position as PagePosition;
}

/** The one execution a filter names, if it names one; two different ones are refused. */
function filteredExecutionId(request: ActionExecutionsRequest): string | undefined {
  const named = request.filter?.pipelineExecutionId;
  const latest = request.filter?.latestInPipelineExecution?.pipelineExecutionId;
  if (named && latest && named !== latest) {
    throw new BadInputError(
      `filter.pipelineExecutionId (${named}) and filter.latestInPipelineExecution.pipelineExecutionId (${latest}) name different executions.`,
    );
  }
  return named ?? latest;
}

function maxResultsOf(request: ActionExecutionsRequest): number {
  const { maxResults = MAX_ACTION_EXECUTIONS } = request;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_ACTION_EXECUTIONS) {
    throw new BadInputError(`maxResults must be a whole number from 1 to ${MAX_ACTION_EXECUTIONS}, not ${maxResults}.`);
  }
  return maxResults;
}

export interface ActionExecutionsDependencies {
  store: ExecutionStore;
  pipelineArn: (pipelineName: string) => string;
}

/**
 * ListActionExecutions: a pipeline's action executions, newest execution first and within it the
 * latest started action first, a page at a time. A page reads only the executions it shows.
 */
export async function listActionExecutions(deps: ActionExecutionsDependencies, request: ActionExecutionsRequest): Promise<ActionExecutionsPage> {
  const maxResults = maxResultsOf(request);
  const executionId = filteredExecutionId(request);
  const start = request.nextToken === undefined ? undefined : decodeNextToken(request.nextToken, request);
  if (!(await deps.store.getPipeline(request.pipelineName))) {
    throw new PipelineNotFoundError(`There is no pipeline ${request.pipelineName}. list-pipelines shows the pipelines there are.`);
  }
  const { region } = arnRegionAndAccount(deps.pipelineArn(request.pipelineName));
  const latestOnly = request.filter?.latestInPipelineExecution?.startTimeRange === 'Latest';
  const details: ActionExecutionDetail[] = [];
  for await (const execution of executionsFrom(deps.store, request.pipelineName, executionId, start?.execution)) {
    const skip = start?.execution.pipelineExecutionId === execution.pipelineExecutionId ? start.skip : 0;
    const id = execution.pipelineExecutionId;
    const listed = await deps.store.listActions(id);
    // The records that retries of a stage set aside are earlier executions of their actions.
    const actions = (latestOnly ? latestOfEachAction(listed) : newestFirst([...listed, ...(await deps.store.listActionHistory(id))])).slice(skip);
    for (const [index, action] of actions.entries()) {
      if (details.length === maxResults) {
        const nextToken = encodeNextToken({ request: requestKey(request), execution: positionOf(execution), skip: skip + index });
        return { actionExecutionDetails: details, nextToken };
      }
      details.push(actionExecutionDetail(execution, action, region));
    }
  }
  return { actionExecutionDetails: details };
}

const positionOf = (execution: PipelineExecutionRecord): ExecutionPosition => ({
  startTime: execution.startTime,
  pipelineExecutionId: execution.pipelineExecutionId,
});

/** The executions to list, newest first, from `from` on; or only the one a filter names. */
async function* executionsFrom(
  store: ExecutionStore,
  pipelineName: string,
  executionId: string | undefined,
  from: ExecutionPosition | undefined,
): AsyncGenerator<PipelineExecutionRecord> {
  if (executionId) {
    const execution = await store.getExecution(executionId);
    if (!execution || execution.pipelineName !== pipelineName) {
      throw new PipelineExecutionNotFoundError(`Pipeline ${pipelineName} has no execution ${executionId}. list-pipeline-executions shows its executions.`);
    }
    yield execution;
    return;
  }
  let next = from;
  let last: string | undefined;
  for (;;) {
    const batch = (await store.listExecutions(pipelineName, EXECUTIONS_PER_READ + 1, next)).filter((each) => each.pipelineExecutionId !== last);
    if (batch.length === 0) return;
    yield* batch;
    const oldest = batch.at(-1)!;
    last = oldest.pipelineExecutionId;
    next = positionOf(oldest);
  }
}
