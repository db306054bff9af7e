/**
 * Console render: how long the console's pipeline view takes, in Debian's Chromium against a real
 * `sluice serve`, to draw a 20-stage pipeline (39 action cards) whose history holds 200
 * executions, against a baseline measured in the same run: the same view of the smallest pipeline
 * CodePipeline accepts (two stages, two cards) with one execution, loaded alternately with the big one. The histories are written
 * through the installation's own execution store, as runs write them; the time is the page's own,
 * from the start of its navigation to the moment every card shows its status, on a fresh load
 * each time.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
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
/** The baseline: a Source stage and one stage of one action, the fewest stages a pipeline may have. */
const BASELINE = 'single';

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

function baselinePipeline(): PipelineDeclaration {
  return { name: BASELINE, pipelineType: 'V2', stages: [gitSourceStage('/nowhere'), { name: 'Check', actions: [commands('Test', 1)] }] };
}

/** `executions` succeeded executions, a minute apart, each with every stage and action recorded. */
async function seedHistory(store: ExecutionStore, pipeline: PipelineDeclaration, executions: number): Promise<void> {
  const first = Date.now() - executions * 60_000;
  for (let index = 0; index < executions; index += 1) {
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

const cardsOf = (pipeline: PipelineDeclaration): number => pipeline.stages.reduce((count, stage) => count + stage.actions.length, 0);

/** The page's own time, in ms, from the start of a fresh load of `pipeline`'s view to the moment its `cards` cards show their status. */
async function timeLoad(page: Page, url: string, pipeline: string, cards: number): Promise<number> {
  // A new document each time: a change of the hash alone would not load the page again.
  await page.goto('about:blank');
  await page.goto(new URL(`/#/pipelines/${pipeline}`, url).href);
  // Run in the page: its time since its navigation began, once every card shows its status.
  const rendered = await page.waitForFunction(
    (count: number) => {
      const { document } = globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } };
      return document.querySelectorAll('[data-action] [data-status="Succeeded"]').length === count && performance.now();
    },
    cards,
    { timeout: 30_000 },
  );
  return (await rendered.jsonValue()) as number;
}

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await withTempDir('console-render', async (work) => {
    const dataDir = path.join(work, 'data');
    const wide = widePipeline();
    const baseline = baselinePipeline();
    for (const pipeline of [wide, baseline]) {
      const declarationFile = path.join(work, `${pipeline.name}.json`);
      writeFileSync(declarationFile, JSON.stringify(pipeline));
      execFileSync(process.execPath, [CLI, 'create-pipeline', declarationFile, '--data-dir', dataDir], { stdio: 'pipe' });
    }
    const installation = await openLocalInstallation({ dataDir, command: 'bench console-render', write: () => {} });
    try {
      await seedHistory(installation.deps.store, wide, EXECUTIONS);
      await seedHistory(installation.deps.store, baseline, 1);
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
        const wideLoads: number[] = [];
        const baselineLoads: number[] = [];
        // Alternately, the baseline first on every other round, so that neither always follows the other.
        for (let load = 0; load < LOADS; load += 1) {
          const timeWide = async () => wideLoads.push(await timeLoad(page, url, wide.name, cardsOf(wide)));
          const timeBaseline = async () => baselineLoads.push(await timeLoad(page, url, baseline.name, cardsOf(baseline)));
          for (const timeOne of load % 2 === 0 ? [timeBaseline, timeWide] : [timeWide, timeBaseline]) await timeOne();
        }
        const typical = median(wideLoads);
        const typicalBaseline = median(baselineLoads);
        const row = (view: string, loads: number[], ratio: string) => [
          view,
          `${fixed(median(loads), 0)} (${fixed(Math.min(...loads), 0)}–${fixed(Math.max(...loads), 0)})`,
          ratio,
        ];
        printSection(
          `Console render: the pipeline view of ${STAGES} stages (${cardsOf(wide)} cards) with ${EXECUTIONS} executions of history, against 2 stages with one execution`,
          markdownTable(
            ['view (fresh document each load)', `median of ${LOADS} loads, ms (fastest–slowest)`, 'ratio to baseline'],
            [
              row(`baseline: ${baseline.stages.length} stages (${cardsOf(baseline)} cards), 1 execution`, baselineLoads, '1.00'),
              row(`${STAGES} stages (${cardsOf(wide)} cards), ${EXECUTIONS} executions`, wideLoads, `**${fixed(typical / typicalBaseline, 2)}**`),
              [`**median**, navigation to every card rendered (target < ${TARGET_MS} ms)`, `**${fixed(typical, 0)}** ${verdict(typical < TARGET_MS)}`, ''],
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
