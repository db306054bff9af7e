/**
 * Console render: how long the console's pipeline view takes, in Debian's Chromium against a real
 * `sluice serve`, to draw a 20-stage pipeline (40 action cards) whose history holds 200
 * executions. The history is written through the installation's own execution store, as runs
 * write it; the time is the page's own, from the start of its navigation to the moment every card
 * shows its status, on a fresh load each time.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openLocalInstallation } from '../lib/compose/local';
import type { ActionDeclaration, PipelineDeclaration } from '../lib/core/declaration';
import type { ExecutionStore } from '../lib/ports/execution-store';
import { launchConsoleBrowser } from '../test/support/console-browser';
import { gitSourceStage } from '../test/support/declarations';
import { describeMachine } from './support/machine';
import { withServe } from './support/sluice-serve';
import { fixed, median } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(PROJECT_ROOT, 'dist', 'sluice.cjs');
const STAGES = 20;
const EXECUTIONS = 200;
const LOADS = 7;
const TARGET_MS = 1000;
const PIPELINE = 'wide';

const commands = (name: string, runOrder: number): ActionDeclaration => ({
  name,
  runOrder,
  actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
  commands: ['true'],
  inputArtifacts: [{ name: 'Src' }],
});

/** A source stage, then 19 stages of two actions each, in two runOrder groups: 39 cards, with the source's. */
function widePipeline(): PipelineDeclaration {
  return {
    name: PIPELINE,
    pipelineType: 'V2',
    stages: [
      gitSourceStage('/nowhere'),
      ...Array.from({ length: STAGES - 1 }, (_, index) => ({ name: `Stage${index + 1}`, actions: [commands('Test', 1), commands('Publish', 2)] })),
    ],
  };
}

/** EXECUTIONS succeeded executions, a minute apart, each with every stage and action recorded. */
async function seedHistory(store: ExecutionStore, pipeline: PipelineDeclaration): Promise<void> {
  const first = Date.now() - EXECUTIONS * 60_000;
  for (let index = 0; index < EXECUTIONS; index += 1) {
    const pipelineExecutionId = randomUUID();
    const at = (seconds: number) => new Date(first + index * 60_000 + seconds * 1000).toISOString();
    await store.createExecution({
      pipelineName: pipeline.name,
      pipelineVersion: 1,
      pipelineExecutionId,
      status: 'Succeeded',
      startTime: at(0),
      lastUpdateTime: at(pipeline.stages.length * 2),
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'bench' },
      variables: {},
    });
    await Promise.all(
      pipeline.stages.flatMap((stage, stageIndex) => [
        store.putStage({
          pipelineExecutionId,
          stageName: stage.name,
          status: 'Succeeded',
          startTime: at(stageIndex * 2),
          lastUpdateTime: at(stageIndex * 2 + 2),
        }),
        ...stage.actions.map((action) =>
          store.putAction({
            pipelineExecutionId,
            stageName: stage.name,
            actionName: action.name,
            actionExecutionId: randomUUID(),
            status: 'Succeeded',
            startTime: at(stageIndex * 2),
            lastUpdateTime: at(stageIndex * 2 + 1),
            input: { actionTypeId: action.actionTypeId, configuration: {}, resolvedConfiguration: {}, inputArtifacts: [] },
            output: { outputArtifacts: [], outputVariables: {} },
          }),
        ),
      ]),
    );
  }
}

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await withTempDir('console-render', async (work) => {
    const dataDir = path.join(work, 'data');
    const pipeline = widePipeline();
    const cards = pipeline.stages.reduce((count, stage) => count + stage.actions.length, 0);
    const declarationFile = path.join(work, 'wide.json');
    writeFileSync(declarationFile, JSON.stringify(pipeline));
    execFileSync(process.execPath, [CLI, 'create-pipeline', declarationFile, '--data-dir', dataDir], { stdio: 'pipe' });
    const installation = await openLocalInstallation({ dataDir, command: 'bench console-render', write: () => {} });
    try {
      await seedHistory(installation.deps.store, pipeline);
    } finally {
      await installation.close();
    }

    await withServe(CLI, dataDir, async (url) => {
      const link = execFileSync(process.execPath, [CLI, 'console', '--no-open', '--data-dir', dataDir], { encoding: 'utf8' }).trim();
      const browser = await launchConsoleBrowser();
      try {
        const { page } = browser;
        await page.goto(link);
        await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
        const loads: number[] = [];
        for (let load = 0; load < LOADS; load += 1) {
          // A new document each time: a change of the hash alone would not load the page again.
          await page.goto('about:blank');
          await page.goto(new URL(`/#/pipelines/${PIPELINE}`, url).href);
          // Run in the page: its time since its navigation began, once every card shows its status.
          const rendered = await page.waitForFunction(
            (count: number) => {
              const { document } = globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } };
              return document.querySelectorAll('[data-action] [data-status="Succeeded"]').length === count && performance.now();
            },
            cards,
            { timeout: 30_000 },
          );
          loads.push((await rendered.jsonValue()) as number);
        }
        const typical = median(loads);
        printSection(
          `Console render: the pipeline view of ${STAGES} stages (${cards} cards) with ${EXECUTIONS} executions of history`,
          markdownTable(
            ['measure', 'value'],
            [
              ['loads (fresh document each)', String(LOADS)],
              ['fastest, ms', fixed(Math.min(...loads), 0)],
              ['slowest, ms', fixed(Math.max(...loads), 0)],
              [`**median**, navigation to every card rendered (target < ${TARGET_MS} ms)`, `**${fixed(typical, 0)}** ${verdict(typical < TARGET_MS)}`],
            ],
          ),
        );
        if (browser.errors.length > 0) throw new Error(`The page logged errors:\n${browser.errors.join('\n')}`);
      } finally {
        await browser.close();
      }
    });
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
});
