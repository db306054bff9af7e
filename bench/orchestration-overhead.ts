/**
 * Orchestration overhead: what running a pipeline through the local engine costs per action,
 * compared with calling the same step handlers directly, one after the other, on the same stores.
 *
 * Every action is a no-op, so everything measured is Sluice's own work: the state machine
 * (aws-local-stepfunctions), and the bookkeeping both paths share (DynamoDB records, the action's
 * workspace and its log upload to S3, events). The difference between the two paths is the
 * engine's share; the call breakdown shows where the shared part goes.
 */
import { Readable } from 'node:stream';
import { commands } from '../lib/actions/commands';
import type { ActionProvider } from '../lib/actions/action-provider';
import { gitSource } from '../lib/actions/git-source';
import { localEngine, openLocalInstallation, type LocalDependencies } from '../lib/compose/local';
import { LocalStateMachine, type TaskHandlers } from '../lib/adapters/local/local-state-machine';
import { providerCatalog } from '../lib/actions/registry';
import { compilePipeline } from '../lib/core/compile';
import { providerKey, type PipelineDeclaration } from '../lib/core/declaration';
import { runAction } from '../lib/execution/action-steps';
import { runStageStep } from '../lib/execution/stage-steps';
import { startExecution } from '../lib/execution/start-execution';
import { runInForeground } from '../lib/execution/start-on-engine';
import { timeCalls, type CallTimings } from './support/call-timings';
import { describeMachine } from './support/machine';
import { fixed, median, timed } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

const STAGES = 3;
const ACTIONS_PER_STAGE = 10;
const MEASURED_RUNS = 5;
const TARGET_MS_PER_ACTION = 5;
const TRIGGER = { triggerType: 'StartPipelineExecution', triggerDetail: 'bench orchestration-overhead' } as const;

/** A provider with a real provider's spec whose action does nothing at all. */
const noOp = (real: ActionProvider): ActionProvider => ({
  spec: real.spec,
  run: async () => ({ outputArtifacts: [], outputVariables: {} }),
});

/**
 * A Source stage (validation wants one first; the runner does not validate, but the shape stays
 * realistic) and three stages of ten actions. Each action has its own runOrder, so both paths run
 * them strictly one after another.
 */
function noOpPipeline(): PipelineDeclaration {
  const stage = (number: number) => ({
    name: `Stage${number}`,
    actions: Array.from({ length: ACTIONS_PER_STAGE }, (_, index) => ({
      name: `Action${String(index + 1).padStart(2, '0')}`,
      actionTypeId: { category: 'Compute' as const, owner: 'AWS' as const, provider: 'Commands', version: '1' },
      runOrder: index + 1,
      commands: ['true'],
    })),
  });
  return {
    name: 'bench-no-op',
    version: 1,
    stages: [
      { name: 'Source', actions: [{ name: 'Checkout', actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' } }] },
      ...Array.from({ length: STAGES }, (_, index) => stage(index + 1)),
    ],
  };
}

const actionCount = (pipeline: PipelineDeclaration) => pipeline.stages.reduce((count, stage) => count + stage.actions.length, 0);

/** Who the audit trail says ran the measured executions. */
const BENCH_CALLER = { who: 'bench', from: 'bench' };

/** The full local path: compile, the local engine, and the handlers it calls for every Task. */
async function runThroughEngine(deps: LocalDependencies, pipeline: PipelineDeclaration): Promise<void> {
  const execution = await runInForeground(deps, localEngine(deps), { pipeline, version: 1, trigger: TRIGGER, caller: BENCH_CALLER }, {});
  if (execution.status !== 'Succeeded') throw new Error(`engine run ended ${execution.status}: ${execution.statusSummary}`);
}

/** The same handler calls, with the same payloads the compiled definition sends, and no engine. */
async function runHandlersDirectly(deps: LocalDependencies, pipeline: PipelineDeclaration): Promise<void> {
  const input = await startExecution(deps, { pipeline, version: 1, trigger: TRIGGER });
  const signal = new AbortController().signal;
  for (const [index, stage] of pipeline.stages.entries()) {
    const final = index === pipeline.stages.length - 1;
    await runStageStep(deps, { step: 'enterStage', pipeline: input.pipeline, stage: stage.name });
    for (const action of stage.actions) {
      await runAction(deps, { step: 'runAction', pipeline: input.pipeline, stage: stage.name, action, inputArtifacts: [], namespaces: {} }, signal);
    }
    await runStageStep(deps, { step: 'exitStage', pipeline: input.pipeline, stage: stage.name, final });
  }
  const execution = await deps.store.getExecution(input.pipeline.executionId);
  if (execution?.status !== 'Succeeded') throw new Error(`direct run ended ${execution?.status}`);
}

/**
 * The engine with handlers that do nothing and touch no store: compile, build the state machine,
 * run it. This is the engine's own cost without the noise of the stores.
 */
async function runEngineAlone(pipeline: PipelineDeclaration): Promise<void> {
  const engine = new LocalStateMachine(compilePipeline(pipeline, providerCatalog));
  const nothing = async () => ({ Payload: {} });
  const handlers: TaskHandlers = {
    enterStage: nothing,
    exitStage: nothing,
    failStage: nothing,
    checkBeforeEntry: nothing,
    checkOnSuccess: nothing,
    checkOnFailure: nothing,
    queueJob: nothing,
    runAction: nothing,
    requestApproval: nothing,
    prepareBuild: nothing,
    startBuild: nothing,
    completeBuild: nothing,
    failBuild: nothing,
  };
  const input = { pipeline: { name: pipeline.name, version: 1, executionId: 'engine-alone', variables: {} }, actions: {} };
  const outcome = await engine.start(input, handlers).outcome;
  if (outcome.status !== 'Succeeded') throw new Error(`engine-alone run ended ${outcome.status}`);
}

/**
 * Each action uploads its log, even an empty one, as a stream; `S3BlobStore.put` sends any stream
 * through lib-storage's multipart `Upload`. This compares that with one PutObject of the same bytes.
 */
async function logUploadCost(deps: LocalDependencies): Promise<{ streamMs: number; bufferMs: number }> {
  const uploads = 20;
  const location = (kind: string, index: number) => ({ bucketName: deps.artifactBucket, objectKey: `bench/logs/${kind}-${index}.log` });
  const streamMs = (
    await timed(async () => {
      for (let index = 0; index < uploads; index += 1) await deps.blobs.put(location('stream', index), Readable.from([Buffer.alloc(0)]));
    })
  ).ms;
  const bufferMs = (
    await timed(async () => {
      for (let index = 0; index < uploads; index += 1) await deps.blobs.put(location('buffer', index), Buffer.alloc(0));
    })
  ).ms;
  return { streamMs: streamMs / uploads, bufferMs: bufferMs / uploads };
}

/** One run of a path with every store, blob and event call timed. */
async function breakdown(
  deps: LocalDependencies,
  pipeline: PipelineDeclaration,
  path: typeof runThroughEngine,
): Promise<{ totalMs: number; calls: CallTimings }> {
  const calls: CallTimings = new Map();
  const instrumented = {
    ...deps,
    store: timeCalls(deps.store, 'store', calls),
    blobs: timeCalls(deps.blobs, 'blobs', calls),
    events: timeCalls(deps.events, 'events', calls),
  };
  const { ms } = await timed(() => path(instrumented, pipeline));
  return { totalMs: ms, calls };
}

function breakdownTable(actions: number, engine: { totalMs: number; calls: CallTimings }, direct: { totalMs: number; calls: CallTimings }): string {
  const perAction = (ms: number) => fixed(ms / actions, 2);
  const names = [...new Set([...engine.calls.keys(), ...direct.calls.keys()])].sort((a, b) => (direct.calls.get(b)?.ms ?? 0) - (direct.calls.get(a)?.ms ?? 0));
  const rows = names.map((name) => [
    `\`${name}\``,
    String(direct.calls.get(name)?.calls ?? 0),
    perAction(engine.calls.get(name)?.ms ?? 0),
    perAction(direct.calls.get(name)?.ms ?? 0),
  ]);
  const inCalls = (run: { calls: CallTimings }) => [...run.calls.values()].reduce((sum, call) => sum + call.ms, 0);
  rows.push([
    'everything else (engine, workspace dirs, log files)',
    '',
    perAction(engine.totalMs - inCalls(engine)),
    perAction(direct.totalMs - inCalls(direct)),
  ]);
  rows.push(['**total**', '', perAction(engine.totalMs), perAction(direct.totalMs)]);
  return markdownTable(['call', 'calls per run', 'engine: ms/action', 'direct: ms/action'], rows);
}

async function main(): Promise<void> {
  const pipeline = noOpPipeline();
  const actions = actionCount(pipeline);
  console.log(`Machine: ${describeMachine()}`);
  await withTempDir('orchestration', async (dataDir) => {
    const installation = await openLocalInstallation({ dataDir, command: 'bench orchestration-overhead' });
    try {
      const deps: LocalDependencies = {
        ...installation.deps,
        providers: new Map([gitSource, commands].map((real) => [providerKey(real.spec), noOp(real)])),
      };
      // Warm-up: loads modules, opens connections, creates the first items.
      await runThroughEngine(deps, pipeline);
      await runHandlersDirectly(deps, pipeline);

      await runEngineAlone(pipeline);
      const engineMs: number[] = [];
      const directMs: number[] = [];
      const engineAloneMs: number[] = [];
      // Alternating, so that a store growing with each run weighs on both paths alike.
      for (let run = 0; run < MEASURED_RUNS; run += 1) {
        engineMs.push((await timed(() => runThroughEngine(deps, pipeline))).ms);
        directMs.push((await timed(() => runHandlersDirectly(deps, pipeline))).ms);
        engineAloneMs.push((await timed(() => runEngineAlone(pipeline))).ms);
      }
      const engine = median(engineMs) / actions;
      const direct = median(directMs) / actions;
      const overhead = engine - direct;
      const runs = (values: number[]) => values.map((value) => fixed(value, 0)).join(', ');
      printSection(
        `Orchestration overhead: ${pipeline.stages.length} stages, ${actions} no-op actions run one at a time (median of ${MEASURED_RUNS} runs after a warm-up)`,
        markdownTable(
          ['path', 'ms per action', 'ms per run (median)', 'all runs, ms'],
          [
            ['local engine + handlers (`runInForeground`)', fixed(engine, 2), fixed(median(engineMs), 0), runs(engineMs)],
            ['handlers called directly (baseline)', fixed(direct, 2), fixed(median(directMs), 0), runs(directMs)],
            [
              `**engine overhead** (difference; target ≤ ${TARGET_MS_PER_ACTION} ms/action)`,
              `**${fixed(overhead, 2)}** ${verdict(overhead <= TARGET_MS_PER_ACTION)}`,
              `ratio ${fixed(engine / direct, 2)}`,
              '',
            ],
            [
              "the state machine alone, no-op handlers, no stores (the engine's own cost, without store noise)",
              fixed(median(engineAloneMs) / actions, 2),
              fixed(median(engineAloneMs), 0),
              runs(engineAloneMs),
            ],
          ],
        ),
      );
      const engineBreakdown = await breakdown(deps, pipeline, runThroughEngine);
      const directBreakdown = await breakdown(deps, pipeline, runHandlersDirectly);
      printSection(
        'Where the time goes (one instrumented run of each path; stage steps are spread over the actions)',
        breakdownTable(actions, engineBreakdown, directBreakdown),
      );
      const upload = await logUploadCost(deps);
      printSection(
        'Uploading one empty action log (mean of 20)',
        markdownTable(
          ['how', 'ms per upload'],
          [
            ['stream through lib-storage `Upload` (what `ActionLog.store` does)', fixed(upload.streamMs, 2)],
            ['Buffer through one `PutObject`', fixed(upload.bufferMs, 2)],
          ],
        ),
      );
    } finally {
      await installation.close();
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
