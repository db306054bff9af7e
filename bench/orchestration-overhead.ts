/**
 * The whole cost of a no-op action: a pipeline of no-op actions run through the real local path
 * (the local engine on an installation's embedded DynamoDB and S3), until its events are recorded,
 * divided by its actions and measured against doing nothing.
 *
 * Every action is a no-op, so everything measured is Sluice's own work: the state machine
 * (aws-local-stepfunctions), and the bookkeeping of each action (its DynamoDB records, its
 * workspace and log, its events and their records). The call breakdown shows where it goes, and
 * the floor what is left of it that an invariant needs.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ActionProvider } from '../lib/actions/action-provider';
import { gitSourceSpec } from '../lib/actions/git-source-spec';
import { s3DeploySpec } from '../lib/actions/s3-deploy-spec';
import { localEngine, openLocalInstallation, type LocalDependencies } from '../lib/compose/local';
import { LocalStateMachine, type TaskHandlers } from '../lib/adapters/local/local-state-machine';
import { providerCatalog } from '../lib/actions/registry';
import { compilePipeline } from '../lib/core/compile';
import { providerKey, type PipelineDeclaration } from '../lib/core/declaration';
import type { ProviderSpec } from '../lib/core/providers';
import { runInForeground } from '../lib/execution/start-on-engine';
import { timeCalls, type CallTimings } from './support/call-timings';
import { profileThread, WAITING } from './support/thread-time';
import { describeMachine } from './support/machine';
import { fixed, median, now, timed } from './support/stats';
import { markdownTable, printSection, verdict } from './support/table';
import { withTempDir } from './support/temp-dir';

const STAGES = 3;
const ACTIONS_PER_STAGE = 10;
const MEASURED_RUNS = 5;
const TARGET_MS_PER_ACTION = 5;
/** Calls of each kind timed on their own, for the floor. */
const FLOOR_CALLS = 50;
const TRIGGER = { triggerType: 'StartPipelineExecution', triggerDetail: 'bench orchestration-overhead' } as const;

/** A provider with a real provider's spec whose action does nothing at all. */
const noOp = (spec: ProviderSpec): ActionProvider => ({
  spec,
  run: async () => ({ outputArtifacts: [], outputVariables: {} }),
});

/**
 * A Source stage (validation wants one first; the runner does not validate, but the shape stays
 * realistic) and `stages` stages of `actionsPerStage` actions. Each action has its own runOrder,
 * so they run strictly one after another.
 */
function noOpPipeline(stages: number, actionsPerStage: number): PipelineDeclaration {
  const stage = (number: number) => ({
    name: `Stage${number}`,
    actions: Array.from({ length: actionsPerStage }, (_, index) => ({
      name: `Action${String(index + 1).padStart(2, '0')}`,
      actionTypeId: { category: 'Deploy' as const, owner: 'AWS' as const, provider: 'S3', version: '1' },
      runOrder: index + 1,
      configuration: { BucketName: 'bench-no-op', Extract: 'false', ObjectKey: 'no-op' },
    })),
  });
  return {
    name: `bench-no-op-${stages}x${actionsPerStage}`,
    version: 1,
    stages: [
      { name: 'Source', actions: [{ name: 'Checkout', actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' } }] },
      ...Array.from({ length: stages }, (_, index) => stage(index + 1)),
    ],
  };
}

const actionCount = (pipeline: PipelineDeclaration) => pipeline.stages.reduce((count, stage) => count + stage.actions.length, 0);

/** Who the audit trail says ran the measured executions. */
const BENCH_CALLER = { who: 'bench', from: 'bench' };

/**
 * The whole local path: compile, the local engine, the handlers it calls for every Task; then the
 * execution's events as `sluice events` reads them, which waits for their records. Checks that
 * every status change was recorded: two events for each action, each stage and the execution.
 */
async function runPipeline(deps: LocalDependencies, pipeline: PipelineDeclaration): Promise<{ runMs: number }> {
  const start = now();
  const execution = await runInForeground(deps, localEngine(deps), { pipeline, version: 1, trigger: TRIGGER, caller: BENCH_CALLER }, {});
  const runMs = now() - start;
  if (execution.status !== 'Succeeded') throw new Error(`run ended ${execution.status}: ${execution.statusSummary}`);
  const events = await deps.store.listEvents(execution.pipelineExecutionId);
  const expected = 2 * (actionCount(pipeline) + pipeline.stages.length + 1);
  if (events.length !== expected) throw new Error(`the run recorded ${events.length} events, not ${expected}`);
  return { runMs };
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

/** One run with every store, blob and event call on the run's path timed; the wait for the event records after it is timed too. */
async function breakdown(deps: LocalDependencies, pipeline: PipelineDeclaration): Promise<{ totalMs: number; runMs: number; calls: CallTimings }> {
  const calls: CallTimings = new Map();
  const instrumented = {
    ...deps,
    store: timeCalls(deps.store, 'store', calls),
    blobs: timeCalls(deps.blobs, 'blobs', calls),
    events: timeCalls(deps.events, 'events', calls),
  };
  const { ms, result } = await timed(() => runPipeline(instrumented, pipeline));
  return { totalMs: ms, runMs: result.runMs, calls };
}

function breakdownTable(actions: number, run: { totalMs: number; runMs: number; calls: CallTimings }): string {
  const perAction = (ms: number) => fixed(ms / actions, 2);
  // The events read after the run waited for the records queued behind it: that wait is theirs.
  const listed = run.calls.get('store.listEvents')?.ms ?? 0;
  const onPath = [...run.calls.entries()].filter(([name]) => name !== 'store.listEvents');
  const rows = onPath
    .sort(([, a], [, b]) => b.ms - a.ms)
    .map(([name, call]) => [`\`${name}\``, fixed(call.calls / actions, 2), fixed(call.ms / call.calls, 2), perAction(call.ms)]);
  const inCalls = onPath.reduce((sum, [, call]) => sum + call.ms, 0);
  rows.push(["everything else on the run's path (engine, workspace dirs, log files)", '', '', perAction(run.runMs - inCalls)]);
  rows.push(['event records still queued when the run returned (the wait in `store.listEvents`, one read)', '', '', perAction(listed)]);
  rows.push(['**total**', '', '', perAction(run.totalMs)]);
  return markdownTable(['call', 'calls per action', 'ms per call', 'ms per action'], rows);
}

/**
 * One run with this thread's CPU profiled: the time of the whole run, until its events are listed,
 * by kind of work. What the breakdown leaves as "everything else" is in here by what ran.
 */
async function threadTimeTable(deps: LocalDependencies, pipeline: PipelineDeclaration, actions: number): Promise<string> {
  const { time } = await profileThread(__filename, async () => {
    await runPipeline(deps, pipeline);
    await deps.store.listEvents((await deps.store.listExecutions(pipeline.name))[0]!.pipelineExecutionId);
  });
  const rows = [...time.byKind.entries()]
    .sort(([a, aMs], [b, bMs]) => Number(b === WAITING) - Number(a === WAITING) || bMs - aMs)
    .map(([kind, ms]) => [kind, fixed(ms / actions, 2), `${fixed((100 * ms) / time.totalMs, 0)} %`]);
  rows.push(['**total**', `**${fixed(time.totalMs / actions, 2)}**`, '100 %']);
  return markdownTable(['this thread’s time', 'ms per action', 'share'], rows);
}

/** Mean milliseconds of `call`, made `FLOOR_CALLS` times one after another. */
async function meanMs(call: (index: number) => Promise<unknown>): Promise<number> {
  const { ms } = await timed(async () => {
    for (let index = 0; index < FLOOR_CALLS; index += 1) await call(index);
  });
  return ms / FLOOR_CALLS;
}

/**
 * What a no-op action cannot do without, each kind of call timed on its own on the embedded stores,
 * copying the records of a measured run under new execution ids.
 */
async function floor(deps: LocalDependencies, pipeline: PipelineDeclaration): Promise<string> {
  const [execution] = await deps.store.listExecutions(pipeline.name);
  const executionId = execution!.pipelineExecutionId;
  const [action] = await deps.store.listActions(executionId);
  const [event] = await deps.store.listEvents(executionId);
  const copyId = () => `floor-${randomUUID()}`;
  const putActionMs = await meanMs(() => deps.store.putAction({ ...action!, pipelineExecutionId: copyId() }));
  const getExecutionMs = await meanMs(() => deps.store.getExecution(executionId));
  const recordEventMs = await meanMs(() => {
    const copy = structuredClone(event!);
    copy.id = randomUUID();
    copy.detail['execution-id'] = copyId();
    return deps.store.recordEvent(copy);
  });
  const logLine = Buffer.from('one line of log\n');
  const logPutMs = await meanMs((index) =>
    deps.blobs.put({ bucketName: deps.artifactBucket, objectKey: `bench/logs/floor-${index}.log` }, Readable.from([logLine]), {
      contentLength: logLine.length,
    }),
  );
  const needed: [string, number, number, string][] = [
    ['`store.putAction`, its start', 1, putActionMs, 'the InProgress record a stop abandons, and that the console and API show while it runs'],
    ['`store.putAction`, its end', 1, putActionMs, 'conditional on InProgress: a stopped execution has abandoned the action already'],
    ['`store.getExecution`, before the Task', 1, getExecutionMs, 'a stop that waits lets no step start once the execution is Stopping'],
    [
      '`store.getExecution`, for each event',
      0,
      getExecutionMs,
      "none: each event carries its execution's start time and attempt, which the run's input tells (a resumed run reads them)",
    ],
    ['`events.publish` to the in-process bus', 2, 0, 'the STARTED and SUCCEEDED events; the rules and listeners are in-process'],
  ];
  const rows = needed.map(([call, count, ms, why]) => [call, String(count), fixed(ms, 2), fixed(count * ms, 2), why]);
  const onPath = needed.reduce((sum, [, count, ms]) => sum + count * ms, 0);
  rows.push(["**on the run's path**", '', '', `**${fixed(onPath, 2)}**`, '']);
  rows.push([
    '`store.recordEvent`, behind the run',
    '2',
    fixed(recordEventMs, 2),
    fixed(2 * recordEventMs, 2),
    'each event kept for `sluice events`: a Query for the last place, then two conditional PutItems',
  ]);
  rows.push([
    '`blobs.put` of a log, only for an action that writes one',
    '0',
    fixed(logPutMs, 2),
    '0.00',
    'the log beside the artifacts; a silent action uploads none',
  ]);
  return markdownTable(['call', 'per no-op action', 'ms per call', 'ms per action', 'why it is needed'], rows);
}

async function main(): Promise<void> {
  const pipeline = noOpPipeline(STAGES, ACTIONS_PER_STAGE);
  const smallest = noOpPipeline(1, 1);
  const actions = actionCount(pipeline);
  console.log(`Machine: ${describeMachine()}`);
  await withTempDir('orchestration', async (dataDir) => {
    const installation = await openLocalInstallation({ dataDir, command: 'bench orchestration-overhead' });
    try {
      const deps: LocalDependencies = {
        ...installation.deps,
        providers: new Map([gitSourceSpec, s3DeploySpec].map((spec) => [providerKey(spec), noOp(spec)])),
      };
      // Warm-up: loads modules, opens connections, creates the first items.
      await runPipeline(deps, pipeline);
      await runPipeline(deps, smallest);
      await runEngineAlone(pipeline);

      const wholeMs: number[] = [];
      const runMs: number[] = [];
      const smallestMs: number[] = [];
      const nothingMs: number[] = [];
      const engineAloneMs: number[] = [];
      // Alternating, so that a store growing with each run weighs on every row alike.
      for (let run = 0; run < MEASURED_RUNS; run += 1) {
        const whole = await timed(() => runPipeline(deps, pipeline));
        wholeMs.push(whole.ms);
        runMs.push(whole.result.runMs);
        smallestMs.push((await timed(() => runPipeline(deps, smallest))).ms);
        nothingMs.push((await timed(async () => undefined)).ms);
        engineAloneMs.push((await timed(() => runEngineAlone(pipeline))).ms);
      }
      const nothing = median(nothingMs);
      const whole = (median(wholeMs) - nothing) / actions;
      const marginal = (median(wholeMs) - median(smallestMs)) / (actions - actionCount(smallest));
      const runs = (values: number[]) => values.map((value) => fixed(value, 0)).join(', ');
      printSection(
        `The whole cost of a no-op action: ${pipeline.stages.length} stages, ${actions} no-op actions run one at a time, until their events are recorded (median of ${MEASURED_RUNS} runs after a warm-up)`,
        markdownTable(
          ['measured', 'ms per action', 'ms per run (median)', 'all runs, ms'],
          [
            [
              `**whole cost per action** (the run and its event records, less doing nothing; target ≤ ${TARGET_MS_PER_ACTION} ms)`,
              `**${fixed(whole, 2)}** ${verdict(whole <= TARGET_MS_PER_ACTION)}`,
              fixed(median(wholeMs), 0),
              runs(wholeMs),
            ],
            ['the run alone, until `runInForeground` returns', fixed(median(runMs) / actions, 2), fixed(median(runMs), 0), runs(runMs)],
            [
              'doing nothing (the same loop, no pipeline)',
              fixed(nothing / actions, 2),
              fixed(nothing, 2),
              nothingMs.map((value) => fixed(value, 2)).join(', '),
            ],
            [
              `the smallest pipeline (${actionCount(smallest)} actions); each action beyond it costs the difference`,
              fixed(marginal, 2),
              fixed(median(smallestMs), 0),
              runs(smallestMs),
            ],
            [
              "the state machine alone, no-op handlers, no stores (the engine's own cost)",
              fixed(median(engineAloneMs) / actions, 2),
              fixed(median(engineAloneMs), 0),
              runs(engineAloneMs),
            ],
          ],
        ),
      );
      printSection(
        `Where the time goes (one instrumented run of the ${actions} actions; stage and execution steps are spread over the actions)`,
        breakdownTable(actions, await breakdown(deps, pipeline)),
      );
      printSection(
        `Where this thread's time goes (one run of the ${actions} actions and the listing of its events, CPU-profiled: the profiler adds a little)`,
        await threadTimeTable(deps, pipeline, actions),
      );
      printSection(`The floor: what a no-op action needs, each call timed on its own (mean of ${FLOOR_CALLS})`, await floor(deps, pipeline));
    } finally {
      await installation.close();
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
