import { Link } from 'wouter-preact';
import type { ActionDeclaration, StageDeclaration } from '../../../lib/core/declaration';
import type { PipelineState } from '../../../lib/core/pipeline-state';
import type { ExecutionDetail } from '../../../lib/operations/sluice-api';
import type { ActionExecutionRecord, PipelineExecutionRecord } from '../../../lib/ports/execution-store';
import type { ConsoleApi } from '../api/client';
import { useResource } from '../api/use-resource';
import { textField } from '../components/confirm-dialog';
import { OperationButton } from '../components/operation-button';
import { StatusBadge } from '../components/status';
import { durationOf, formatDuration } from '../components/time';
import { useNow } from '../components/use-now';
import { usePipelineChanges, useConsole } from '../live/hooks';
import { paths, safeUrl, shortId } from './links';
import { ErrorNote, Loading } from './page-parts';
import { StartExecutionButton, StopExecutionButton } from './execution-buttons';

type StageState = PipelineState['stageStates'][number];
type ActionState = StageState['actionStates'][number];

/** What the pipeline view shows: the declaration, its state, its running executions, and the executions its stages show. */
async function loadPipelineView(api: ConsoleApi, name: string) {
  const [description, state, recent] = await Promise.all([api.getPipeline(name), api.getPipelineState(name), api.listExecutions(name, { maxResults: 10 })]);
  const shown = [...new Set(state.stageStates.flatMap((stage) => (stage.latestExecution ? [stage.latestExecution.pipelineExecutionId] : [])))];
  const details = new Map((await Promise.all(shown.map((id) => api.getExecution(id)))).map((detail) => [detail.execution.pipelineExecutionId, detail]));
  return { description, state, recent: recent.items, details };
}

/** A stage's actions in their runOrder groups, in ascending order: the actions of a group run together. */
function runOrderGroups(stage: StageDeclaration): [number, ActionDeclaration[]][] {
  const groups = new Map<number, ActionDeclaration[]>();
  for (const action of stage.actions) groups.set(action.runOrder ?? 1, [...(groups.get(action.runOrder ?? 1) ?? []), action]);
  return [...groups.entries()].sort(([a], [b]) => a - b);
}

/** Stages as columns and actions as cards, as CodePipeline's console draws a pipeline; it follows executions as they run. */
export function PipelinePage({ name }: { name: string }) {
  const { api } = useConsole();
  const view = useResource(() => loadPipelineView(api, name), [name]);
  usePipelineChanges(name, view.reload);
  const running = view.data?.recent.find((execution) => execution.status === 'InProgress' || execution.status === 'Stopping');
  const now = useNow(running !== undefined);

  if (!view.data) {
    return (
      <main>
        <h1>{name}</h1>
        <ErrorNote error={view.error} />
        {!view.error && <Loading />}
      </main>
    );
  }
  const { description, state, details } = view.data;
  const stages = description.declaration.stages;
  return (
    <main class="pipeline-page">
      <div class="page-title">
        <h1>{name}</h1>
        <span class="muted">version {state.pipelineVersion}</span>
        <Link href={paths.history(name)}>Execution history</Link>
      </div>
      <div class="toolbar">
        <StartExecutionButton api={api} pipeline={description} onDone={view.reload} />
        <StopExecutionButton api={api} pipelineName={name} execution={running} onDone={view.reload} />
        {running && (
          <span>
            Running: <Link href={paths.execution(name, running.pipelineExecutionId)}>{shortId(running.pipelineExecutionId)}</Link>
          </span>
        )}
      </div>
      <ErrorNote error={view.error} />
      <ol class="stages" aria-label="Stages">
        {stages.map((stage, index) => {
          const stageState = state.stageStates.find((entry) => entry.stageName === stage.name);
          const detail = stageState?.latestExecution && details.get(stageState.latestExecution.pipelineExecutionId);
          return (
            <li key={stage.name} class="stage-slot">
              {index > 0 && stageState && <Transition api={api} pipelineName={name} stage={stageState} onDone={view.reload} />}
              <StageColumn api={api} pipelineName={name} stage={stage} state={stageState} detail={detail} now={now} onDone={view.reload} />
            </li>
          );
        })}
      </ol>
    </main>
  );
}

interface Changing {
  api: ConsoleApi;
  pipelineName: string;
  onDone: () => void;
}

/** The transition into a stage: enabled, or disabled with who did it and why; either can be changed. */
function Transition({ api, pipelineName, stage, onDone }: Changing & { stage: StageState }) {
  const transition = stage.inboundTransitionState;
  return (
    <div class={`transition ${transition.enabled ? 'enabled' : 'disabled'}`} data-transition={stage.stageName}>
      <span aria-hidden="true" class="arrow">
        {transition.enabled ? '→' : '⛔'}
      </span>
      {transition.enabled ? (
        <OperationButton
          label="Disable transition"
          title={`Disable the transition into ${stage.stageName}`}
          description={<p>Executions will wait in front of {stage.stageName} until the transition is enabled again.</p>}
          confirmLabel="Disable"
          onConfirm={async (form) => {
            await api.disableTransition(pipelineName, stage.stageName, textField(form, 'reason'));
            onDone();
          }}
        >
          <label>
            Reason
            <input name="reason" required maxLength={300} />
          </label>
        </OperationButton>
      ) : (
        <>
          <span class="transition-reason">
            Disabled by {transition.lastChangedBy}: {transition.disabledReason}
          </span>
          <OperationButton
            label="Enable transition"
            title={`Enable the transition into ${stage.stageName}`}
            description={<p>Executions waiting in front of {stage.stageName} will enter it.</p>}
            confirmLabel="Enable"
            onConfirm={async () => {
              await api.enableTransition(pipelineName, stage.stageName);
              onDone();
            }}
          />
        </>
      )}
    </div>
  );
}

/** Why a stage's latest execution cannot be retried now, or undefined when it can. */
function retryRefusal(state: StageState | undefined, detail: ExecutionDetail | undefined): string | undefined {
  if (!state?.latestExecution || !detail) return 'This stage has not run yet.';
  if (state.latestExecution.status !== 'Failed') return `Only a failed stage is retried; this one is ${state.latestExecution.status}.`;
  if (detail.execution.status !== 'Failed') return `Its execution is ${detail.execution.status}: only a failed execution is retried.`;
  return undefined;
}

function StageColumn({
  api,
  pipelineName,
  stage,
  state,
  detail,
  now,
  onDone,
}: Changing & { stage: StageDeclaration; state: StageState | undefined; detail: ExecutionDetail | undefined; now: number }) {
  const latest = state?.latestExecution;
  const retryBlocked = retryRefusal(state, detail);
  const rollbackBlocked = !latest ? 'This stage has not run yet.' : latest.status === 'InProgress' ? 'The stage is running.' : undefined;
  const retry = (mode: 'FAILED_ACTIONS' | 'ALL_ACTIONS') => async () => {
    await api.retryStage(pipelineName, stage.name, latest!.pipelineExecutionId, mode);
    onDone();
  };
  return (
    <section class="stage" aria-labelledby={`stage-${stage.name}`} data-stage={stage.name}>
      <header>
        <h2 id={`stage-${stage.name}`}>{stage.name}</h2>
        <StatusBadge status={latest?.status ?? 'NotRun'} />
        {latest && (
          <Link class="execution-link" href={paths.execution(pipelineName, latest.pipelineExecutionId)}>
            Execution {shortId(latest.pipelineExecutionId)}
          </Link>
        )}
      </header>
      {runOrderGroups(stage).map(([runOrder, actions]) => (
        <div class="run-order" key={runOrder} role="group" aria-label={`Run order ${runOrder}`}>
          <span class="run-order-label">Run order {runOrder}</span>
          {actions.map((action) => (
            <ActionCard
              key={action.name}
              api={api}
              pipelineName={pipelineName}
              stageName={stage.name}
              action={action}
              state={state?.actionStates.find((entry) => entry.actionName === action.name)}
              record={detail?.actions.find((entry) => entry.stageName === stage.name && entry.actionName === action.name)}
              execution={detail?.execution}
              now={now}
              onDone={onDone}
            />
          ))}
        </div>
      ))}
      <footer class="stage-buttons">
        <OperationButton
          label="Retry failed actions"
          disabledReason={retryBlocked}
          showReason={false}
          description={<p>The failed actions of {stage.name} run again, in the same execution; the actions that succeeded keep their results.</p>}
          confirmLabel="Retry"
          onConfirm={retry('FAILED_ACTIONS')}
        />
        <OperationButton
          label="Retry stage"
          disabledReason={retryBlocked}
          showReason={false}
          description={<p>Every action of {stage.name} runs again, in the same execution.</p>}
          confirmLabel="Retry"
          onConfirm={retry('ALL_ACTIONS')}
        />
        <OperationButton
          label="Roll back"
          title={`Roll back ${stage.name}`}
          disabledReason={rollbackBlocked}
          showReason={false}
          description={<p>A new execution runs {stage.name} alone again, with the artifacts and variables of the last execution that succeeded in it.</p>}
          confirmLabel="Roll back"
          danger
          onConfirm={async () => {
            await api.rollbackStage(pipelineName, stage.name);
            onDone();
          }}
        />
        {[...new Set([retryBlocked && `Retry: ${retryBlocked}`, rollbackBlocked && `Roll back: ${rollbackBlocked}`])].map(
          (reason) =>
            reason && (
              <p key={reason} class="reason">
                {reason}
              </p>
            ),
        )}
      </footer>
    </section>
  );
}

/** A source action's revision: its commit (linked where its host gives a link) and message. */
function Revision({ record }: { record: ActionExecutionRecord }) {
  const result = record.output?.executionResult;
  if (!result?.externalExecutionId && !result?.externalExecutionSummary) return null;
  const url = safeUrl(result.externalExecutionUrl);
  const id = result.externalExecutionId && <code>{result.externalExecutionId.slice(0, 12)}</code>;
  return (
    <p class="revision">
      {url ? (
        <a href={url} target="_blank" rel="noreferrer noopener">
          {id ?? 'details'}
        </a>
      ) : (
        id
      )}{' '}
      {result.externalExecutionSummary}
    </p>
  );
}

/** An action's summary, unless the card says the same already: an approval's decision, or a failure's error. */
const shownSummary = (latest: ActionState['latestExecution']): boolean =>
  Boolean(latest?.summary) && !latest?.approvalDecision && latest?.summary !== latest?.errorDetails?.message;

function ActionCard({
  api,
  pipelineName,
  stageName,
  action,
  state,
  record,
  execution,
  now,
  onDone,
}: Changing & {
  stageName: string;
  action: ActionDeclaration;
  state: ActionState | undefined;
  record: ActionExecutionRecord | undefined;
  execution: PipelineExecutionRecord | undefined;
  now: number;
}) {
  const latest = state?.latestExecution;
  const waiting = latest?.status === 'InProgress' && latest.token !== undefined;
  const status = waiting ? 'WaitingForApproval' : (latest?.status ?? 'NotRun');
  const { category, provider } = action.actionTypeId;
  const decide = (decision: 'Approved' | 'Rejected') => async (form: FormData) => {
    await api.putApprovalResult(pipelineName, {
      stageName,
      actionName: action.name,
      token: latest!.token!,
      status: decision,
      summary: textField(form, 'summary'),
    });
    onDone();
  };
  const comment = (
    <label>
      Comment
      <textarea name="summary" rows={3} maxLength={512} />
    </label>
  );
  return (
    <article class="action-card" data-action={`${stageName}/${action.name}`} aria-label={`${action.name}: ${status}`}>
      <h3>
        {record && execution ? (
          <Link href={paths.action(pipelineName, execution.pipelineExecutionId, stageName, action.name)}>{action.name}</Link>
        ) : (
          action.name
        )}
      </h3>
      <p class="muted provider">
        {category} · {provider}
      </p>
      <p>
        <StatusBadge status={status} />
        {record && <span class="duration"> {formatDuration(durationOf(record.startTime, record.lastUpdateTime, record.status === 'InProgress', now))}</span>}
      </p>
      {record && category === 'Source' && <Revision record={record} />}
      {record && category !== 'Source' && shownSummary(latest) && <p class="summary">{latest?.summary}</p>}
      {/* A rejection's error repeats its decision, which the card shows below. */}
      {latest?.errorDetails && !latest.approvalDecision && <p class="error-text">{latest.errorDetails.message}</p>}
      {latest?.approvalDecision && (
        <p class="decision">
          {latest.approvalDecision.status} by {latest.approvalDecision.approver}
          {latest.approvalDecision.summary ? `: ${latest.approvalDecision.summary}` : ''}
        </p>
      )}
      {waiting && (
        <div class="approval-buttons">
          <OperationButton
            label="Approve"
            title={`Approve ${action.name}`}
            description={<p>The execution goes on past {action.name}.</p>}
            confirmLabel="Approve"
            onConfirm={decide('Approved')}
          >
            {comment}
          </OperationButton>
          <OperationButton
            label="Reject"
            title={`Reject ${action.name}`}
            description={<p>{action.name} fails, and with it its stage and the execution.</p>}
            confirmLabel="Reject"
            danger
            onConfirm={decide('Rejected')}
          >
            {comment}
          </OperationButton>
        </div>
      )}
    </article>
  );
}
