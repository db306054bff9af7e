/**
 * Webhook latency: how long a signed GitHub push takes, from the POST to `/webhooks/github` of a
 * running local installation (as `sluice serve` runs it, with its HTTP server on loopback), to the
 * STARTED event of the execution's first action; and whether 50 deliveries posted at once, each
 * with its own delivery id, start exactly 50 executions.
 *
 * The benchmark posts from the process that serves, so the POST and the event are timed on one
 * clock, to the sub-millisecond, and the bus tells of the event the moment it is published.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { postGitHubDelivery } from '../lib/adapters/github/webhook-delivery';
import { webhookSecret } from '../lib/adapters/local/webhook-secret-file';
import { openLocalInstallation } from '../lib/compose/local';
import { DETAIL_TYPES, type PipelineEvent } from '../lib/core/events';
import type { PipelineDeclaration } from '../lib/core/declaration';
import { PipelineOperations } from '../lib/operations/pipeline-operations';
import { describeMachine } from './support/machine';
import { fixed, median, now } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

const MEASURED_DELIVERIES = 20;
const CONCURRENT_DELIVERIES = 50;
const TARGET_MS = 150;
/**
 * An execution's last state. The pipelines run in the default SUPERSEDED mode, so among executions
 * started at once, a newer one that reaches a stage first supersedes an older one waiting for it.
 */
const ENDED_STATES = ['SUCCEEDED', 'FAILED', 'STOPPED', 'SUPERSEDED'];

function gitRepository(dir: string): string {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.com', '-c', 'init.defaultBranch=main', ...args], { cwd: dir, stdio: 'pipe' })
      .toString()
      .trim();
  git('init', '-q');
  writeFileSync(path.join(dir, 'app.txt'), 'bench\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench');
  return git('rev-parse', 'HEAD');
}

function pipeline(name: string, repositoryDir: string): PipelineDeclaration {
  return {
    name,
    pipelineType: 'V2',
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Checkout',
            actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' },
            configuration: { RepositoryUrl: repositoryDir, BranchName: 'main' },
            outputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
      {
        name: 'Build',
        actions: [
          {
            name: 'Show',
            actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
            commands: ['cat app.txt'],
            inputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
    ],
  };
}

/** GitHub's push payload, with the fields the webhook reads, for `commit` on main of the repository. */
const pushPayload = (repositoryDir: string, commit: string) =>
  JSON.stringify({
    ref: 'refs/heads/main',
    before: '0000000000000000000000000000000000000000',
    after: commit,
    repository: { full_name: 'bench/app', clone_url: `file://${repositoryDir}` },
    commits: [{ id: commit, added: ['app.txt'], modified: [], removed: [] }],
  });

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await withTempDir('webhook', async (work) => {
    const repositoryDir = path.join(work, 'repository');
    await mkdir(repositoryDir);
    const commit = gitRepository(repositoryDir);
    const dataDir = path.join(work, 'data');
    const installation = await openLocalInstallation({ dataDir, command: 'bench webhook-latency', serveApi: true, runInBackground: {}, write: () => {} });
    try {
      const firstActionStarted = new Map<string, number>();
      const ended = new Map<string, () => void>();
      const endedIds = new Set<string>();
      installation.bus.subscribe((event: PipelineEvent) => {
        const id = event.detail['execution-id'];
        if (event['detail-type'] === DETAIL_TYPES.action && event.detail.state === 'STARTED' && !firstActionStarted.has(id)) firstActionStarted.set(id, now());
        if (event['detail-type'] === DETAIL_TYPES.pipeline && ENDED_STATES.includes(event.detail.state)) {
          endedIds.add(id);
          ended.get(id)?.();
        }
      });
      const untilEnded = (id: string) => (endedIds.has(id) ? Promise.resolve() : new Promise<void>((resolve) => ended.set(id, resolve)));
      const operations = new PipelineOperations(installation.deps);
      const secret = await webhookSecret(dataDir);
      const webhookUrl = new URL('webhooks/github', installation.url).href;
      const deliver = async (body: string): Promise<string[]> => {
        const response = await postGitHubDelivery(webhookUrl, { event: 'push', body, secret });
        const answer = (await response.json()) as { started?: { pipelineExecutionId: string }[] };
        if (response.status !== 202) throw new Error(`the webhook answered ${response.status}: ${JSON.stringify(answer)}`);
        return (answer.started ?? []).map((started) => started.pipelineExecutionId);
      };
      const body = pushPayload(repositoryDir, commit);

      // Latency: one delivery at a time, each execution ended before the next delivery.
      await operations.createPipeline(pipeline('latency', repositoryDir));
      const latencies: number[] = [];
      for (let delivery = 0; delivery <= MEASURED_DELIVERIES; delivery += 1) {
        const posted = now();
        const [executionId] = await deliver(body);
        await untilEnded(executionId!);
        // The first delivery warms up (module loading, first connections) and is not counted.
        if (delivery > 0) latencies.push(firstActionStarted.get(executionId!)! - posted);
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      const p90 = sorted[Math.ceil(sorted.length * 0.9) - 1]!;
      printSection(
        `Webhook latency: signed push POSTed → first action STARTED event, ${MEASURED_DELIVERIES} deliveries one at a time after a warm-up`,
        markdownTable(
          ['measure', 'ms'],
          [
            [`**median** (target < ${TARGET_MS} ms)`, `**${fixed(median(latencies))}** ${verdict(median(latencies) < TARGET_MS)}`],
            ['p90', fixed(p90)],
            ['min / max', `${fixed(sorted[0]!)} / ${fixed(sorted[sorted.length - 1]!)}`],
          ],
        ),
      );

      // Concurrency: 50 deliveries at once, each its own delivery id; only this pipeline matches them.
      await operations.createPipeline(pipeline('concurrent', repositoryDir));
      await operations.deletePipeline('latency');
      const posted = now();
      const started = (await Promise.all(Array.from({ length: CONCURRENT_DELIVERIES }, () => deliver(body)))).flat();
      const acceptedMs = now() - posted;
      await Promise.all(started.map(untilEnded));
      const endedMs = now() - posted;
      const recorded = await installation.deps.store.listExecutions('concurrent', 1000);
      const succeeded = recorded.filter((execution) => execution.status === 'Succeeded').length;
      const superseded = recorded.filter((execution) => execution.status === 'Superseded').length;
      const exact = started.length === CONCURRENT_DELIVERIES && new Set(started).size === CONCURRENT_DELIVERIES && recorded.length === CONCURRENT_DELIVERIES;
      printSection(
        `${CONCURRENT_DELIVERIES} concurrent deliveries with distinct delivery ids`,
        markdownTable(
          ['measure', 'value'],
          [
            ['executions started (webhook answers)', String(started.length)],
            ['executions recorded for the pipeline', `${recorded.length} ${verdict(exact)}`],
            ['of which Succeeded', String(succeeded)],
            ['of which Superseded (by a newer one, in the default SUPERSEDED mode)', String(superseded)],
            ['all deliveries answered, ms', fixed(acceptedMs, 0)],
            ['all executions ended, ms', fixed(endedMs, 0)],
          ],
        ),
      );
      if (!exact) throw new Error(`${CONCURRENT_DELIVERIES} deliveries gave ${started.length} started and ${recorded.length} recorded executions.`);
    } finally {
      await installation.close();
    }
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
