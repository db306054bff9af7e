import { createInterface } from 'node:readline';
import { DETAIL_TYPES, type PipelineEvent, type PipelineEventDetail } from '../core/events';
import { BlobNotFoundError, type BlobStore, type S3Location } from '../ports/blob-store';
import type { ActionExecutionRecord, ExecutionStore } from '../ports/execution-store';
import { actionLogLocation, openActionLog } from '../artifacts/action-log';
import { artifactStoreOf } from '../core/compile';

/** How much of a failing action's log a mail carries. */
export const LOG_TAIL_LINES = 30;

export interface NotificationMailDependencies {
  store: ExecutionStore;
  blobs: BlobStore;
  artifactBucket: string;
  /**
   * Where the console is served: the mail links to the execution and its log there. Asked for each
   * mail, since a local server may only start after the rules are registered.
   */
  consoleUrl: () => string;
}

export interface NotificationMail {
  subject: string;
  text: string;
}

/** What made an execution fail: its first failed action, and the end of that action's log. */
export interface ExecutionFailure {
  action: ActionExecutionRecord;
  /** Undefined when the action stored no log. */
  logTail: string[] | undefined;
}

/** The mail for an event. A FAILED execution's mail names the action that failed and ends with its log. */
export async function notificationMail(event: PipelineEvent, deps: NotificationMailDependencies): Promise<NotificationMail> {
  const failure = event['detail-type'] === DETAIL_TYPES.pipeline && event.detail.state === 'FAILED' ? await executionFailure(deps, event.detail) : undefined;
  return composeNotificationMail(event, deps.consoleUrl(), failure);
}

export function composeNotificationMail(event: PipelineEvent, consoleUrl: string, failure?: ExecutionFailure): NotificationMail {
  const { detail } = event;
  const executionUrl = `${consoleUrl.replace(/\/+$/, '')}/executions/${encodeURIComponent(detail['execution-id'])}`;
  const logsUrl = (stage?: string, action?: string) =>
    `${executionUrl}/logs${stage && action ? `?action=${encodeURIComponent(stage)}/${encodeURIComponent(action)}` : ''}`;
  const field = (name: string, value: string) => `${`${name}:`.padEnd(11)}${value}`;

  const lines = [field('Pipeline', `${detail.pipeline} (version ${detail.version})`), field('Execution', detail['execution-id'])];
  let subject: string;
  let logUrl: string;
  switch (event['detail-type']) {
    case DETAIL_TYPES.pipeline:
      subject = `pipeline execution ${event.detail.state}`;
      logUrl = failure ? logsUrl(failure.action.stageName, failure.action.actionName) : logsUrl();
      break;
    case DETAIL_TYPES.stage:
      subject = `${event.detail.stage} stage ${event.detail.state}`;
      lines.push(field('Stage', event.detail.stage));
      logUrl = logsUrl();
      break;
    case DETAIL_TYPES.action: {
      const { stage, action, state, type } = event.detail;
      subject =
        type.category === 'Approval' ? `${stage}/${action} manual approval ${state === 'STARTED' ? 'NEEDED' : state}` : `${stage}/${action} action ${state}`;
      lines.push(field('Stage', stage), field('Action', `${action} (${type.category}/${type.owner}/${type.provider}/${type.version})`));
      logUrl = logsUrl(stage, action);
      break;
    }
  }
  lines.push(field('State', detail.state));
  const summary = 'execution-result' in detail ? detail['execution-result']?.['external-execution-summary'] : undefined;
  if (summary) lines.push(field('Summary', summary));
  lines.push(field('Time', event.time));

  if (failure) {
    const { action, logTail } = failure;
    lines.push('', `Failing action: ${action.stageName}/${action.actionName}`);
    if (action.errorDetails) lines.push(`Error: ${action.errorDetails.message} (${action.errorDetails.code})`);
    if (logTail === undefined) lines.push('', 'The action stored no log.');
    else if (logTail.length > 0) lines.push('', `Last ${logTail.length} lines of its log:`, ...logTail.map((line) => (line === '' ? '|' : `| ${line}`)));
  }
  lines.push('', `Execution: ${executionUrl}`, `Log:       ${logUrl}`);

  return { subject: `[Sluice] ${detail.pipeline}: ${subject}`, text: `${lines.join('\n')}\n` };
}

async function executionFailure(deps: NotificationMailDependencies, detail: PipelineEventDetail): Promise<ExecutionFailure | undefined> {
  const executionId = detail['execution-id'];
  // The first action to fail is the cause: when a stage fails, the actions still running are failed after it.
  const [action] = (await deps.store.listActions(executionId))
    .filter((record) => record.status === 'Failed')
    .sort((a, b) => a.lastUpdateTime.localeCompare(b.lastUpdateTime));
  if (!action) return undefined;
  const execution = await deps.store.getExecution(executionId);
  const { bucketName } = artifactStoreOf(execution ?? {}, deps.artifactBucket);
  const location = actionLogLocation({ ...action, executionId }, { pipelineName: detail.pipeline, bucketName });
  return { action, logTail: await logTail(deps.blobs, location) };
}

/** The last lines of a log, read as a stream so that a long log is never held whole. */
async function logTail(blobs: BlobStore, location: S3Location): Promise<string[] | undefined> {
  let body;
  try {
    body = await openActionLog(blobs, location);
  } catch (error) {
    if (error instanceof BlobNotFoundError) return undefined;
    throw error;
  }
  const tail: string[] = [];
  for await (const line of createInterface({ input: body, crlfDelay: Infinity })) {
    tail.push(line);
    if (tail.length > LOG_TAIL_LINES) tail.shift();
  }
  return tail;
}
