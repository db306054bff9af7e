import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { ActionExecutionDetail, ArtifactDetail } from '../../../lib/operations/action-executions';
import type { ConsoleApi } from '../api/client';
import { useResource } from '../api/use-resource';
import { StatusBadge } from '../components/status';
import { durationOf, formatDuration } from '../components/time';
import { useNow } from '../components/use-now';
import { useActionLog, useExecutionChanges, useConsole } from '../live/hooks';
import { paths, safeUrl } from './links';
import { ErrorNote, Loading } from './page-parts';

/** A table of names and values: a configuration, or output variables. */
function Pairs({ label, values }: { label: string; values: Record<string, string> }) {
  const entries = Object.entries(values);
  if (entries.length === 0) return <p class="muted">None.</p>;
  return (
    <table class="pairs" aria-label={label}>
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key}>
            <th scope="row">{key}</th>
            <td>
              <code>{value}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * An artifact, asked for with the session's header (a plain link could not send it): its zip, saved
 * as it comes, or a presigned URL of it, which the browser follows, S3 answering with an attachment.
 */
function ArtifactDownload({ api, executionId, artifact }: { api: ConsoleApi; executionId: string; artifact: ArtifactDetail }) {
  const [error, setError] = useState<string>();
  const download = async () => {
    setError(undefined);
    try {
      const answer = await api.artifactZip(executionId, artifact.name);
      if ('link' in answer) {
        location.assign(answer.link);
        return;
      }
      const url = URL.createObjectURL(answer.zip);
      const link = Object.assign(document.createElement('a'), { href: url, download: `${artifact.name}.zip` });
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <li>
      {artifact.name}{' '}
      <button type="button" onClick={() => void download()}>
        Download {artifact.name}.zip
      </button>
      {error && (
        <span class="error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </li>
  );
}

function Artifacts({ api, executionId, artifacts }: { api: ConsoleApi; executionId: string; artifacts: ArtifactDetail[] }) {
  if (artifacts.length === 0) return <p class="muted">None.</p>;
  return (
    <ul class="artifacts">
      {artifacts.map((artifact) => (
        <ArtifactDownload key={artifact.name} api={api} executionId={executionId} artifact={artifact} />
      ))}
    </ul>
  );
}

/** The log of an action, which grows while it runs. */
function ActionLog({ executionId, actionName, running }: { executionId: string; actionName: string; running: boolean }) {
  const log = useActionLog(executionId, actionName, running);
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Log{running && <span class="muted"> (live)</span>}</h2>
      {log.error && (
        <p class="error" role="alert">
          {log.error}
        </p>
      )}
      {/* A named region: it scrolls, so it takes the focus for the keyboard, and a plain <pre> may not carry a name. */}
      <pre class="log" role="region" tabIndex={0} aria-label={`Log of ${actionName}`}>
        {log.text || (running ? 'Waiting for output…' : 'This action wrote no log.')}
      </pre>
    </section>
  );
}

/** One action of an execution: its log, configuration, artifacts, variables, and error; the latest of its runs. */
export function ActionPage({ name, id, stage, action }: { name: string; id: string; stage: string; action: string }) {
  const { api } = useConsole();
  const runs = useResource(async () => {
    const page = await api.listActionExecutions(name, id);
    return page.actionExecutionDetails
      .filter((detail) => detail.stageName === stage && detail.actionName === action)
      .sort((a, b) => b.startTime.localeCompare(a.startTime));
  }, [name, id, stage, action]);
  const latest: ActionExecutionDetail | undefined = runs.data?.[0];
  const running = latest?.status === 'InProgress';
  useExecutionChanges(id, running || !latest, runs.reload);
  const now = useNow(running);

  return (
    <main>
      <div class="page-title">
        <h1>
          {stage} / {action}
        </h1>
        <Link href={paths.pipeline(name)}>{name}</Link>
        <Link href={paths.execution(name, id)}>Execution {id.slice(0, 8)}</Link>
      </div>
      <ErrorNote error={runs.error} />
      {!runs.data ? (
        !runs.error && <Loading />
      ) : !latest ? (
        <p>This action has not run in execution {id}.</p>
      ) : (
        <>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={latest.status} />
            </dd>
            <dt>Type</dt>
            <dd>
              {latest.input.actionTypeId.category} · {latest.input.actionTypeId.owner} · {latest.input.actionTypeId.provider} ·{' '}
              {latest.input.actionTypeId.version}
            </dd>
            <dt>Duration</dt>
            <dd>{formatDuration(durationOf(latest.startTime, latest.lastUpdateTime, running, now))}</dd>
            {runs.data.length > 1 && (
              <>
                <dt>Runs</dt>
                <dd>{runs.data.length} in this execution (the latest is shown)</dd>
              </>
            )}
            {latest.output.executionResult?.externalExecutionSummary && (
              <>
                <dt>Summary</dt>
                <dd>{latest.output.executionResult.externalExecutionSummary}</dd>
              </>
            )}
            {safeUrl(latest.output.executionResult?.externalExecutionUrl) && (
              <>
                <dt>Details</dt>
                <dd>
                  <a href={safeUrl(latest.output.executionResult?.externalExecutionUrl)} target="_blank" rel="noreferrer noopener">
                    {latest.output.executionResult?.externalExecutionId ?? 'Open'}
                  </a>
                </dd>
              </>
            )}
          </dl>
          {latest.output.executionResult?.errorDetails && (
            <section class="failure" aria-labelledby="error-title">
              <h2 id="error-title">Error</h2>
              <p>
                <strong>{latest.output.executionResult.errorDetails.code}</strong>: {latest.output.executionResult.errorDetails.message}
              </p>
            </section>
          )}
          <ActionLog executionId={id} actionName={action} running={running} />
          <h2>Resolved configuration</h2>
          <Pairs label="Resolved configuration" values={latest.input.resolvedConfiguration} />
          <h2>Input artifacts</h2>
          <Artifacts api={api} executionId={id} artifacts={latest.input.inputArtifacts} />
          <h2>Output artifacts</h2>
          <Artifacts api={api} executionId={id} artifacts={latest.output.outputArtifacts} />
          <h2>Output variables</h2>
          <Pairs label="Output variables" values={latest.output.outputVariables} />
        </>
      )}
    </main>
  );
}
