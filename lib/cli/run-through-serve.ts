import type { PipelineEvent } from '../core/events';
import { DETAIL_TYPES } from '../core/events';
import type { PipelineDeclaration } from '../core/declaration';
import type { CreatedPipeline, SluiceApi } from '../operations/sluice-api';
import type { PipelineVersionRecord } from '../ports/execution-store';
import { ExitCode } from './exit-codes';
import type { RunProgress } from './progress';

/** How long one request waits for the execution's next event; serve answers as soon as there is one. */
const EVENT_WAIT_MS = 20_000;
const TAIL_LINES = 25;
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'STOPPED', 'SUPERSEDED', 'CANCELED']);
/** Who approves for `--auto-approve`, as the approval records it. */
const AUTO_APPROVER = 'sluice run --auto-approve';
/** How often, and how long apart, an approval that has started is looked for its token: the request that makes it may still be on its way. */
const TOKEN_ATTEMPTS = 50;
const TOKEN_WAIT_MS = 100;

export interface ServeRunOptions {
  variables?: Record<string, string>;
  json?: boolean;
  /** Approve each Manual approval of the execution as it starts. */
  autoApprove?: boolean;
  say: (line: string) => void;
  progress: RunProgress;
}

/**
 * A run on a data dir that `sluice serve` owns: serve runs the execution, and this follows its
 * events until it ends. Nothing of the local stack is started here, so the run starts at once.
 */
export async function runThroughServe(
  api: SluiceApi,
  pipeline: { name: string; declaration?: PipelineDeclaration },
  registerVersion: (api: SluiceApi, declaration: PipelineDeclaration) => Promise<PipelineVersionRecord | CreatedPipeline>,
  options: ServeRunOptions,
): Promise<ExitCode> {
  const registered = pipeline.declaration && (await registerVersion(api, pipeline.declaration));
  // Creating the pipeline started its first execution, as CodePipeline does: the run follows that
  // one, unless it sets variables, which that one was started without.
  const first = registered && 'firstExecution' in registered ? registered.firstExecution : undefined;
  const created = first && 'pipelineExecutionId' in first && Object.keys(options.variables ?? {}).length === 0 ? first : undefined;
  const { pipelineExecutionId } = created ?? (await api.startPipelineExecution(pipeline.name, options.variables));
  const detach = () => options.say(`Detached: execution ${pipelineExecutionId} goes on in sluice serve.`);
  process.once('SIGINT', detach);
  try {
    let seen = 0;
    for (let ended = false; !ended;) {
      const events = await api.listExecutionEvents(pipelineExecutionId, { after: seen, waitMs: EVENT_WAIT_MS });
      for (const event of events) await follow(api, pipeline.name, pipelineExecutionId, event, options);
      seen += events.length;
      ended = events.some((event) => event['detail-type'] === DETAIL_TYPES.pipeline && ENDED.has(event.detail.state));
    }
  } finally {
    process.off('SIGINT', detach);
  }
  const detail = await api.getPipelineExecution(pipelineExecutionId);
  if (options.json) console.log(JSON.stringify(detail, null, 2));
  else {
    for (const action of detail.actions.filter((entry) => entry.status === 'Failed')) {
      const [log] = await api.getLogs(pipelineExecutionId, `${action.stageName}/${action.actionName}`);
      const tail = (log?.text ?? '').split('\n').filter(Boolean).slice(-TAIL_LINES);
      if (tail.length > 0)
        options.say([`    last ${tail.length} lines of ${action.stageName}/${action.actionName}'s log:`, ...tail.map((line) => `    | ${line}`)].join('\n'));
    }
  }
  return detail.execution.status === 'Succeeded' ? ExitCode.Ok : ExitCode.Failed;
}

async function follow(api: SluiceApi, pipelineName: string, pipelineExecutionId: string, event: PipelineEvent, options: ServeRunOptions): Promise<void> {
  options.progress.onEvent(event);
  if (event['detail-type'] === DETAIL_TYPES.action && event.detail.state === 'STARTED' && event.detail.type.category === 'Approval') {
    const { stage: stageName, action: actionName } = event.detail;
    if (!options.autoApprove) {
      options.say(`  ${stageName}/${actionName}: waiting for approval; its link is in the approval mail and in sluice serve's output`);
      return;
    }
    const token = await approvalToken(api, pipelineName, pipelineExecutionId, stageName, actionName);
    await api.putApprovalResult({
      pipelineName,
      stageName,
      actionName,
      token,
      result: { status: 'Approved', summary: `Approved by ${AUTO_APPROVER}` },
      approver: AUTO_APPROVER,
    });
  }
}

/** The token of the execution's waiting approval `stageName/actionName`, once serve shows it. */
async function approvalToken(api: SluiceApi, pipelineName: string, pipelineExecutionId: string, stageName: string, actionName: string): Promise<string> {
  for (let attempt = 0; attempt < TOKEN_ATTEMPTS; attempt += 1) {
    const stage = (await api.getPipelineState(pipelineName)).stageStates.find((entry) => entry.stageName === stageName);
    const token =
      stage?.latestExecution?.pipelineExecutionId === pipelineExecutionId
        ? stage.actionStates.find((entry) => entry.actionName === actionName)?.latestExecution?.token
        : undefined;
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, TOKEN_WAIT_MS));
  }
  throw new Error(`${stageName}/${actionName} started, but sluice serve shows no approval token for it; approve it with the link in serve's output.`);
}
