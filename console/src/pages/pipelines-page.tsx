import { Link } from 'wouter-preact';
import { useResource } from '../api/use-resource';
import { StatusBadge } from '../components/status';
import { Ago } from '../components/time';
import { Trigger } from '../components/trigger';
import { usePipelineChanges, useConsole } from '../live/hooks';
import { paths } from './links';
import { ErrorNote, Loading } from './page-parts';

/** Every pipeline, with its latest execution: how it went, when, and what started it. */
export function PipelinesPage() {
  const { api } = useConsole();
  const pipelines = useResource(async () => {
    const descriptions = [];
    let nextToken: string | undefined;
    do {
      const page = await api.listPipelines(nextToken);
      descriptions.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return Promise.all(descriptions.map(async (pipeline) => ({ pipeline, latest: (await api.listExecutions(pipeline.name, { maxResults: 1 })).items[0] })));
  }, []);
  usePipelineChanges(undefined, pipelines.reload);

  return (
    <main>
      <h1>Pipelines</h1>
      <ErrorNote error={pipelines.error} />
      {!pipelines.data ? (
        <Loading />
      ) : pipelines.data.length === 0 ? (
        <p>No pipeline yet. Create one with `sluice create-pipeline pipeline.yml`.</p>
      ) : (
        <table class="listing">
          <thead>
            <tr>
              <th scope="col">Pipeline</th>
              <th scope="col">Latest execution</th>
              <th scope="col">Started</th>
              <th scope="col">Trigger</th>
            </tr>
          </thead>
          <tbody>
            {pipelines.data.map(({ pipeline, latest }) => (
              <tr key={pipeline.name} data-pipeline={pipeline.name}>
                <th scope="row">
                  <Link href={paths.pipeline(pipeline.name)}>{pipeline.name}</Link>
                </th>
                <td>{latest ? <StatusBadge status={latest.status} /> : <StatusBadge status="NotRun" />}</td>
                <td>{latest ? <Ago iso={latest.startTime} /> : '—'}</td>
                <td>{latest ? <Trigger trigger={latest.trigger} /> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
