import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { PIPELINE_EXECUTION_STATUSES } from '../../../lib/core/status';
import type { PipelineExecutionRecord } from '../../../lib/ports/execution-store';
import { useResource } from '../api/use-resource';
import { StatusBadge } from '../components/status';
import { Ago, durationOf, formatDuration } from '../components/time';
import { Trigger, TRIGGER_LABELS } from '../components/trigger';
import { usePipelineChanges, useConsole } from '../live/hooks';
import { paths } from './links';
import { ErrorNote, Loading } from './page-parts';

/** How many executions one read of the history asks for. */
const PAGE_SIZE = 50;

/** A pipeline's executions, newest first, filtered by status and by trigger. */
export function HistoryPage({ name }: { name: string }) {
  const { api } = useConsole();
  const [pages, setPages] = useState(1);
  const history = useResource(async () => {
    const executions: PipelineExecutionRecord[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < pages; page += 1) {
      const answer = await api.listExecutions(name, { maxResults: PAGE_SIZE, ...(nextToken ? { nextToken } : {}) });
      executions.push(...answer.items);
      nextToken = answer.nextToken;
      if (!nextToken) break;
    }
    return { executions, more: nextToken !== undefined };
  }, [name, pages]);
  usePipelineChanges(name, history.reload);
  const [status, setStatus] = useState('');
  const [trigger, setTrigger] = useState('');

  const shown = (history.data?.executions ?? []).filter(
    (execution) => (!status || execution.status === status) && (!trigger || execution.trigger.triggerType === trigger),
  );
  return (
    <main>
      <div class="page-title">
        <h1>{name}: execution history</h1>
        <Link href={paths.pipeline(name)}>Pipeline view</Link>
      </div>
      <div class="filters">
        <label>
          Status{' '}
          <select value={status} onChange={(event) => setStatus(event.currentTarget.value)}>
            <option value="">Any</option>
            {PIPELINE_EXECUTION_STATUSES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label>
          Trigger{' '}
          <select value={trigger} onChange={(event) => setTrigger(event.currentTarget.value)}>
            <option value="">Any</option>
            {Object.entries(TRIGGER_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label} ({value})
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote error={history.error} />
      {!history.data ? (
        <Loading />
      ) : (
        <>
          <table class="listing">
            <thead>
              <tr>
                <th scope="col">Execution</th>
                <th scope="col">Status</th>
                <th scope="col">Trigger</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Revision</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((execution) => (
                <tr key={execution.pipelineExecutionId} data-execution={execution.pipelineExecutionId}>
                  <th scope="row">
                    <Link href={paths.execution(name, execution.pipelineExecutionId)}>
                      <code>{execution.pipelineExecutionId}</code>
                    </Link>
                  </th>
                  <td>
                    <StatusBadge status={execution.status} />
                  </td>
                  <td>
                    <Trigger trigger={execution.trigger} />
                  </td>
                  <td>
                    <Ago iso={execution.startTime} />
                  </td>
                  <td>{formatDuration(durationOf(execution.startTime, execution.lastUpdateTime, execution.status === 'InProgress'))}</td>
                  <td>
                    {(execution.sourceRevisions ?? []).map((revision) => (
                      <code key={revision.actionName} title={revision.actionName}>
                        {revision.revisionValue.slice(0, 12)}{' '}
                      </code>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 && <p>No execution matches these filters.</p>}
          {history.data.more && (
            <button type="button" onClick={() => setPages(pages + 1)}>
              Show older executions
            </button>
          )}
        </>
      )}
    </main>
  );
}
