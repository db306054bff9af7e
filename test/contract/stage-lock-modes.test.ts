import { randomInt } from 'node:crypto';
import { runnerCommandsSpec } from '../support/runner-commands';
import { gitSource } from '../../lib/actions/git-source';
import type { ActionContext } from '../../lib/actions/action-provider';
import type { ExecutionMode, PipelineDeclaration } from '../../lib/core/declaration';
import { DETAIL_TYPES } from '../../lib/core/events';
import { compileRegisteredVersion, launchInBackground } from '../../lib/execution/start-on-engine';
import { PipelineOperations, type OperationsDependencies } from '../../lib/operations/pipeline-operations';
import { gitSourceStage } from '../support/declarations';
import { stackPerSuite } from '../support/embedded-stack';
import { testApprovalDependencies, testExecutionDependencies, type TestExecutionDependencies } from '../support/execution-deps';
import { stepEngine } from '../support/step-engine';

/**
 * 50 by default, which takes about 8 s a mode on two cores. SLUICE_LOCK_EXECUTIONS=200 runs the
 * 200 the issue names, in about five minutes: every arrival's admission walks the whole line,
 * racing the others for each waiter (SUPERSEDED supersedes, PARALLEL admits), so a line of n
 * costs n² conditional writes, and dynalite answers them one at a time.
 */
const EXECUTIONS = Number(process.env['SLUICE_LOCK_EXECUTIONS'] ?? 50);
/**
 * A mode's run takes about half a second an execution on a busy machine, and 200 at once have come
 * close to twice that on Node 22: four times it is its limit.
 */
const TIMEOUT = 2000 * EXECUTIONS;
const STAGES = ['Source', 'Build', 'Deploy'];
const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;

/** What happened, in the order it happened: a stage started or succeeded (its events), an execution superseded. */
interface Happening {
  what: 'STARTED' | 'SUCCEEDED' | 'SUPERSEDED';
  executionId: string;
  stage?: string;
}

/**
 * Many executions of one pipeline started at once on the local engine, with the real stage steps
 * and the real stage locks on the embedded DynamoDB; each action takes a random 0-20 ms. What each
 * mode promises is checked on the order the stage and pipeline events went out in, which the
 * in-process bus gives as they are published.
 */
describe(`${EXECUTIONS} executions of a three-stage pipeline started at once`, () => {
  const suite = stackPerSuite();
  let deps: OperationsDependencies & TestExecutionDependencies['deps'];
  let timeline: Happening[] = [];
  /** The ticket each execution drew in the line of each stage: `<stage>/<execution id>`. */
  const tickets = new Map<string, number>();

  beforeAll(async () => {
    // Every action, the checkout and the commands, takes 0 to 20 ms; the commands read nothing.
    const work = async ({ action }: ActionContext) => {
      await new Promise((resolve) => setTimeout(resolve, randomInt(21)));
      return { outputArtifacts: [{ bucketName: 'sluice-artifacts', objectKey: 'never-read.zip' }], outputVariables: {}, summary: `${action.name} done` };
    };
    const providers = [gitSource.spec, runnerCommandsSpec].map((spec) => ({ spec, run: work }));
    const { deps: base, bus } = await testExecutionDependencies(suite.test, { providers, workspaceRoot: suite.scratch });
    deps = { ...base, ...testApprovalDependencies(suite.test) };
    bus.subscribe((event) => {
      const { detail } = event;
      if (event['detail-type'] === DETAIL_TYPES.stage && (detail.state === 'STARTED' || detail.state === 'SUCCEEDED')) {
        timeline.push({ what: detail.state, executionId: detail['execution-id'], stage: (detail as { stage: string }).stage });
      }
      if (event['detail-type'] === DETAIL_TYPES.pipeline && detail.state === 'SUPERSEDED')
        timeline.push({ what: 'SUPERSEDED', executionId: detail['execution-id'] });
    });
    // The real lines, and the ticket each join drew: the arrival order QUEUED admits in.
    const join = deps.locks.join.bind(deps.locks);
    deps.locks.join = async (pipeline, stage, waiter) => {
      const joined = await join(pipeline, stage, waiter);
      tickets.set(`${stage}/${joined.executionId}`, joined.ticket);
      return joined;
    };
  });

  /** Starts the executions of a new pipeline in `mode` at once, and waits until every one has ended. */
  async function runAll(mode: ExecutionMode): Promise<{ name: string; executionIds: string[] }> {
    timeline = [];
    const declaration: PipelineDeclaration = {
      name: `modes-${mode.toLowerCase()}`,
      pipelineType: 'V2',
      executionMode: mode,
      stages: [
        gitSourceStage('.'),
        ...STAGES.slice(1).map((stage) => ({
          name: stage,
          actions: [{ name: stage, actionTypeId: compute, commands: ['true'], inputArtifacts: [{ name: 'Src' }] }],
        })),
      ],
    };
    await new PipelineOperations(deps).createPipeline(declaration);
    const engine = stepEngine(deps);
    const { versionArn } = await engine.deployPipeline(declaration.name, await compileRegisteredVersion(deps, declaration.name, 1));
    const trigger = { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } as const;
    const executionIds = await Promise.all(
      Array.from({ length: EXECUTIONS }, () => launchInBackground(deps, engine, { pipeline: declaration, version: 1, versionArn, trigger })),
    );
    await engine.settled();
    return { name: declaration.name, executionIds };
  }

  /** The most executions that were in `stage` at once, from its STARTED to its SUCCEEDED events. */
  function mostAtOnce(stage: string): number {
    let inside = 0;
    let most = 0;
    for (const happening of timeline.filter((entry) => entry.stage === stage)) {
      inside += happening.what === 'STARTED' ? 1 : -1;
      most = Math.max(most, inside);
    }
    return most;
  }

  /** The executions in the order they entered `stage`. */
  const entered = (stage: string) => timeline.filter((entry) => entry.stage === stage && entry.what === 'STARTED').map((entry) => entry.executionId);

  /** Every stage each execution entered it also left, every record has ended, and every stage's lock is free with nobody in line. */
  async function expectNothingLeftOver(name: string, executionIds: string[]): Promise<void> {
    for (const stage of STAGES) {
      expect(
        timeline
          .filter((entry) => entry.stage === stage && entry.what === 'SUCCEEDED')
          .map((entry) => entry.executionId)
          .sort(),
      ).toEqual(entered(stage).sort());
      expect(await deps.locks.read(name, stage)).toEqual({ transitions: {}, waiters: [] });
    }
    for (const executionId of executionIds) {
      for (const record of [...(await deps.store.listStages(executionId)), ...(await deps.store.listActions(executionId))])
        expect(record.status).toBe('Succeeded');
    }
  }

  const statusesOf = async (executionIds: string[]) => Promise.all(executionIds.map(async (id) => (await deps.store.getExecution(id))!.status));

  it(
    'SUPERSEDED: one execution in a stage at a time; only waiting executions are superseded, the others succeed',
    async () => {
      const { name, executionIds } = await runAll('SUPERSEDED');

      for (const stage of STAGES) expect(mostAtOnce(stage)).toBe(1);
      const statuses = await statusesOf(executionIds);
      expect(new Set(statuses)).toEqual(new Set(['Succeeded', 'Superseded']));
      const superseded = executionIds.filter((_, index) => statuses[index] === 'Superseded');
      // Each superseded execution was in no stage when it was superseded, and entered none after.
      for (const executionId of superseded) {
        const own = timeline.filter((entry) => entry.executionId === executionId);
        expect(own.filter((entry) => entry.what === 'SUPERSEDED')).toHaveLength(1);
        expect(own.at(-1)!.what).toBe('SUPERSEDED');
        expect(own.filter((entry) => entry.what === 'STARTED')).toHaveLength(own.filter((entry) => entry.what === 'SUCCEEDED').length);
      }
      // Those that succeeded went through every stage.
      for (const stage of STAGES) expect(entered(stage).length).toBeGreaterThanOrEqual(EXECUTIONS - superseded.length);
      expect(entered('Deploy').sort()).toEqual(executionIds.filter((_, index) => statuses[index] === 'Succeeded').sort());
      await expectNothingLeftOver(name, executionIds);
    },
    TIMEOUT,
  );

  it(
    'QUEUED: one execution in a stage at a time, each stage entered in the order of its line, the same order in every stage; all succeed',
    async () => {
      const { name, executionIds } = await runAll('QUEUED');

      expect(await statusesOf(executionIds)).toEqual(executionIds.map(() => 'Succeeded'));
      for (const stage of STAGES) {
        expect(mostAtOnce(stage)).toBe(1);
        const order = entered(stage);
        expect(order).toHaveLength(EXECUTIONS);
        const byTicket = [...order].sort((a, b) => tickets.get(`${stage}/${a}`)! - tickets.get(`${stage}/${b}`)!);
        expect(order).toEqual(byTicket);
        expect(order).toEqual(entered(STAGES[0]!));
      }
      await expectNothingLeftOver(name, executionIds);
    },
    TIMEOUT,
  );

  it(
    'PARALLEL: executions run through the stages side by side; all succeed',
    async () => {
      const { name, executionIds } = await runAll('PARALLEL');

      expect(await statusesOf(executionIds)).toEqual(executionIds.map(() => 'Succeeded'));
      for (const stage of STAGES) expect(entered(stage)).toHaveLength(EXECUTIONS);
      expect(Math.max(...STAGES.map(mostAtOnce))).toBeGreaterThan(1);
      await expectNothingLeftOver(name, executionIds);
    },
    TIMEOUT,
  );
});
