import { Fragment } from 'preact';
import { Link } from 'wouter-preact';
import type { ExecutionDetail } from '../../../lib/operations/sluice-api';
import { useResource } from '../api/use-resource';
import { StatusBadge } from '../components/status';
import { durationOf, formatDuration } from '../components/time';
import { Trigger } from '../components/trigger';
import { useNow } from '../components/use-now';
import { useExecutionChanges, useConsole } from '../live/hooks';
import { StopExecutionButton } from './execution-buttons';
import { paths } from './links';
import { ErrorNote, Loading } from './page-parts';

const ROW_HEIGHT = 24;
const LABEL_WIDTH = 220;
const CHART_WIDTH = 880;

/** One bar of the timeline: a stage or an action, from its start to its end (or to now). */
interface Bar {
  label: string;
  status: string;
  start: number;
  end: number;
  stage: boolean;
  href?: string;
}

function timelineBars(detail: ExecutionDetail, now: number): Bar[] {
  const { execution } = detail;
  const end = (record: { startTime: string; lastUpdateTime: string; status: string }) =>
    Date.parse(record.startTime) + durationOf(record.startTime, record.lastUpdateTime, record.status === 'InProgress', now);
  return [...detail.stages]
    .sort((a, b) => a.startTime.localeCompare(b.startTime))
    .flatMap((stage) => [
      { label: stage.stageName, status: stage.status, start: Date.parse(stage.startTime), end: end(stage), stage: true },
      ...detail.actions
        .filter((action) => action.stageName === stage.stageName)
        .sort((a, b) => a.startTime.localeCompare(b.startTime))
        .map((action) => ({
          label: action.actionName,
          status: action.status,
          start: Date.parse(action.startTime),
          end: end(action),
          stage: false,
          href: `#${paths.action(execution.pipelineName, execution.pipelineExecutionId, action.stageName, action.actionName)}`,
        })),
    ]);
}

/**
 * The stages and actions of an execution on one time axis, as plain SVG; each bar says its status
 * and duration in words too. A figure, not an image: an image's content is hidden from assistive
 * technology, and the actions' names are links to reach from the keyboard.
 */
function Timeline({ detail, now }: { detail: ExecutionDetail; now: number }) {
  const bars = timelineBars(detail, now);
  if (bars.length === 0) return <p>No stage has started yet.</p>;
  const first = Math.min(...bars.map((bar) => bar.start));
  const span = Math.max(1, Math.max(...bars.map((bar) => bar.end)) - first);
  const scale = (CHART_WIDTH - LABEL_WIDTH - 140) / span;
  return (
    <svg
      class="timeline"
      role="figure"
      aria-label={`Timeline of the execution: ${bars.map((bar) => `${bar.label} ${bar.status} ${formatDuration(bar.end - bar.start)}`).join('; ')}`}
      viewBox={`0 0 ${CHART_WIDTH} ${bars.length * ROW_HEIGHT + 8}`}
      width={CHART_WIDTH}
    >
      {bars.map((bar, row) => {
        const y = row * ROW_HEIGHT + 4;
        const x = LABEL_WIDTH + (bar.start - first) * scale;
        const width = Math.max(2, (bar.end - bar.start) * scale);
        const label = (
          <text x={bar.stage ? 4 : 20} y={y + 15} class={bar.stage ? 'timeline-stage' : 'timeline-action'}>
            {bar.label}
          </text>
        );
        return (
          <g key={`${row}`} class={`timeline-row status-${bar.status}`}>
            {bar.href ? <a href={bar.href}>{label}</a> : label}
            <rect x={x} y={y + 3} width={width} height={ROW_HEIGHT - 8} rx={3} class="timeline-bar" />
            <text x={x + width + 6} y={y + 15} class="timeline-duration">
              {formatDuration(bar.end - bar.start)} · {bar.status}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** One execution: what started it, how it went, its timeline, and a way to each action's detail. */
export function ExecutionPage({ name, id }: { name: string; id: string }) {
  const { api } = useConsole();
  const detail = useResource(() => api.getExecution(id), [id]);
  const running = detail.data?.execution.status === 'InProgress' || detail.data?.execution.status === 'Stopping';
  useExecutionChanges(id, running, detail.reload);
  const now = useNow(running);
  if (!detail.data)
    return (
      <main>
        <h1>Execution {id}</h1>
        <ErrorNote error={detail.error} />
        {!detail.error && <Loading />}
      </main>
    );
  const { execution } = detail.data;
  return (
    <main>
      <div class="page-title">
        <h1>
          Execution <code>{id}</code>
        </h1>
        <Link href={paths.pipeline(name)}>{name}</Link>
        <Link href={paths.history(name)}>Execution history</Link>
      </div>
      <ErrorNote error={detail.error} />
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={execution.status} />
          {execution.statusSummary && <span> {execution.statusSummary}</span>}
        </dd>
        <dt>Trigger</dt>
        <dd>
          <Trigger trigger={execution.trigger} />
        </dd>
        <dt>Started</dt>
        <dd>{new Date(execution.startTime).toLocaleString()}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(durationOf(execution.startTime, execution.lastUpdateTime, running, now))}</dd>
        <dt>Pipeline version</dt>
        <dd>{execution.pipelineVersion}</dd>
        {(execution.sourceRevisions ?? []).map((revision) => (
          <Fragment key={revision.actionName}>
            <dt>Revision of {revision.actionName}</dt>
            <dd>
              <code>{revision.revisionValue}</code>
            </dd>
          </Fragment>
        ))}
        {Object.entries(execution.variables).map(([key, value]) => (
          <Fragment key={key}>
            <dt>Variable {key}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
      <div class="toolbar">
        <StopExecutionButton api={api} pipelineName={name} execution={running ? execution : undefined} onDone={detail.reload} />
      </div>
      <h2>Timeline</h2>
      <Timeline detail={detail.data} now={now} />
    </main>
  );
}
