import { enterStage } from '../support/step-engine';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ActionProvider } from '../../lib/actions/action-provider';
import { OutboxNotifier } from '../../lib/adapters/local/outbox-notifier';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { STOPPED_ERROR, type StateMachineExecutionChange } from '../../lib/core/engine-run-end';
import { DETAIL_TYPES, type PipelineEvent } from '../../lib/core/events';
import { parseNotificationRules } from '../../lib/core/notification-rules';
import type { PipelineRef } from '../../lib/core/task-payloads';
import { runAction } from '../../lib/execution/action-steps';
import type { JobDependencies } from '../../lib/execution/custom-action-jobs';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { registerNotificationRules } from '../../lib/execution/notifications';
import { reconcileExecution } from '../../lib/execution/reconcile-execution';
import { runStageStep } from '../../lib/execution/stage-steps';
import { startExecution } from '../../lib/execution/start-execution';
import { PipelineOperations } from '../../lib/operations/pipeline-operations';
import type { PipelineEngine } from '../../lib/ports/engine';
import { stackPerSuite } from '../support/embedded-stack';
import { testApprovalDependencies, testExecutionDependencies } from '../support/execution-deps';
import { readRawMail } from '../support/mail-message';
import { runActionPayload } from '../support/task-payloads';
import { customProviderSpec } from '../support/test-providers';

/** Runs until the test lets it go, and then fails: an action still running when its execution dies. */
function heldProvider(): ActionProvider & { release(): void } {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  return {
    release: () => release(),
    spec: customProviderSpec('Build', 'Held', 'Runs until released.'),
    async run() {
      await held;
      throw new Error('finished after its execution had ended');
    },
  };
}

const compile: ActionDeclaration = { name: 'Compile', actionTypeId: { category: 'Build', owner: 'Custom', provider: 'Held', version: '1' } };
const webapp: PipelineDeclaration = {
  name: 'webapp',
  stages: [
    { name: 'Build', actions: [compile] },
    { name: 'Deploy', actions: [{ ...compile, name: 'Publish' }] },
  ],
};

const RULES = `
notificationRules:
  - name: failures
    eventTypeIds: [codepipeline-pipeline-pipeline-execution-failed]
    targets: [{ type: email, address: ops@example.com }]
`;

/** Step Functions' status change for the execution that runs `executionId`. */
function change(executionId: string, status: StateMachineExecutionChange['status'], error?: string, cause?: string): StateMachineExecutionChange {
  return {
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:sluice-test-webapp:${executionId}`,
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:sluice-test-webapp',
    name: executionId,
    status,
    error: error ?? null,
    cause: cause ?? null,
  };
}

describe('reconciling a state machine execution that ended without its pipeline execution', () => {
  const suite = stackPerSuite();
  let deps: ExecutionDependencies;
  let events: PipelineEvent[];
  let outbox: OutboxNotifier;
  const provider = heldProvider();
  const running: Promise<unknown>[] = [];

  beforeAll(async () => {
    const workspaceRoot = path.join(suite.scratch, 'workspaces');
    await mkdir(workspaceRoot);
    const built = await testExecutionDependencies(suite.test, { providers: [provider], workspaceRoot });
    ({ deps, events } = built);
    outbox = new OutboxNotifier({ dataDir: suite.test.dataDir, from: 'sluice@localhost', write: () => {} });
    registerNotificationRules(built.bus, parseNotificationRules(RULES, 'notifications.yml'), {
      store: deps.store,
      blobs: deps.blobs,
      artifactBucket: deps.artifactBucket,
      consoleUrl: () => 'http://localhost:4000',
      notifiers: [outbox],
      warn: (message) => {
        throw new Error(message);
      },
    });
  });

  afterAll(async () => {
    provider.release();
    await Promise.allSettled(running);
  });

  const start = async () =>
    (await startExecution(deps, { pipeline: webapp, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' }, variables: {} }))
      .pipeline;
  const eventsOf = (executionId: string) =>
    events
      .filter((event) => event.detail['execution-id'] === executionId)
      .map((event) => [event['detail-type'], 'stage' in event.detail ? event.detail.stage : '', event.detail.state]);
  const mails = async () =>
    Promise.all((await readdir(outbox.directory).catch(() => [])).map(async (file) => readRawMail(await readFile(path.join(outbox.directory, file)))));

  /** An execution in its Build stage, whose Compile action is running. */
  async function midStage(): Promise<PipelineRef> {
    const pipeline = await start();
    await enterStage(deps, pipeline, 'Build');
    running.push(runAction(deps, runActionPayload(pipeline, 'Build', compile), new AbortController().signal).catch(() => undefined));
    // Started means recorded and announced: the action's STARTED event follows its record.
    const started = () => eventsOf(pipeline.executionId).some(([type]) => type === DETAIL_TYPES.action);
    for (let tries = 0; !started(); tries++) {
      if (tries > 100) throw new Error('the action never started');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return pipeline;
  }

  it('ends an execution that timed out mid-stage Failed, with its action and stage, one FAILED event and one mail, and a second delivery changes nothing', async () => {
    const pipeline = await midStage();
    const mailsBefore = (await mails()).length;

    expect(await reconcileExecution(deps, change(pipeline.executionId, 'TIMED_OUT', 'States.Timeout'))).toBe('failed');
    const after = { events: eventsOf(pipeline.executionId), execution: await deps.store.getExecution(pipeline.executionId) };
    expect(await reconcileExecution(deps, change(pipeline.executionId, 'TIMED_OUT', 'States.Timeout'))).toBe('already ended');

    const summary = 'Build/Compile failed: The state machine execution timed out: States.Timeout';
    expect(after.execution).toMatchObject({ status: 'Failed', statusSummary: summary });
    expect(await deps.store.listStages(pipeline.executionId)).toEqual([expect.objectContaining({ stageName: 'Build', status: 'Failed' })]);
    expect(await deps.store.listActions(pipeline.executionId)).toEqual([
      expect.objectContaining({
        actionName: 'Compile',
        status: 'Failed',
        errorDetails: { code: 'JobFailed', message: 'The state machine execution timed out: States.Timeout' },
      }),
    ]);
    expect(after.events).toEqual([
      [DETAIL_TYPES.pipeline, '', 'STARTED'],
      [DETAIL_TYPES.stage, 'Build', 'STARTED'],
      [DETAIL_TYPES.action, 'Build', 'STARTED'],
      [DETAIL_TYPES.action, 'Build', 'FAILED'],
      [DETAIL_TYPES.stage, 'Build', 'FAILED'],
      [DETAIL_TYPES.pipeline, '', 'FAILED'],
    ]);
    expect(eventsOf(pipeline.executionId)).toEqual(after.events);
    expect(await deps.store.getExecution(pipeline.executionId)).toEqual(after.execution);
    const sent = (await mails()).slice(mailsBefore);
    expect(sent.map((mail) => [mail.headers.get('to'), mail.headers.get('subject')])).toEqual([
      ['ops@example.com', '[Sluice] webapp: pipeline execution FAILED'],
    ]);
    expect(sent[0]!.text).toContain(`Summary:   ${summary}\n`);
  });

  it('names the error and cause of a failed state machine execution, such as a States.Runtime that no Catch can take', async () => {
    const pipeline = await midStage();
    const cause = "An error occurred while executing the state 'Build / Compile'. The JSONPath '$.pipeline' could not be found in the input.";

    expect(await reconcileExecution(deps, change(pipeline.executionId, 'FAILED', 'States.Runtime', cause))).toBe('failed');

    expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({
      status: 'Failed',
      statusSummary: `Build/Compile failed: The state machine execution failed: States.Runtime: ${cause}`,
    });
  });

  it('ends an execution aborted between two stages Failed, saying it was aborted', async () => {
    const pipeline = await start();
    await enterStage(deps, pipeline, 'Build');
    await runStageStep(deps, { step: 'exitStage', pipeline, stage: 'Build' });

    expect(await reconcileExecution(deps, change(pipeline.executionId, 'ABORTED', undefined, 'Stopped from the console'))).toBe('failed');

    expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({
      status: 'Failed',
      statusSummary: 'The state machine execution was aborted: Stopped from the console',
    });
    expect(eventsOf(pipeline.executionId).slice(-1)).toEqual([[DETAIL_TYPES.pipeline, '', 'FAILED']]);
  });

  it('leaves alone an execution that failStage ended, publishing nothing', async () => {
    const pipeline = await midStage();
    await runStageStep(deps, { step: 'failStage', pipeline, stage: 'Build', error: { Error: 'Sluice.ActionFailed', Cause: 'make: *** [all] Error 2' } });
    const before = { events: eventsOf(pipeline.executionId), execution: await deps.store.getExecution(pipeline.executionId) };

    expect(await reconcileExecution(deps, change(pipeline.executionId, 'FAILED', 'Sluice.PipelineFailed', 'A stage failed.'))).toBe('already ended');

    expect(eventsOf(pipeline.executionId)).toEqual(before.events);
    expect(await deps.store.getExecution(pipeline.executionId)).toEqual(before.execution);
  });

  it('ends an execution that StopPipelineExecution stopped Stopped, with the reason it was given', async () => {
    const pipeline = await midStage();

    expect(await reconcileExecution(deps, change(pipeline.executionId, 'ABORTED', 'Sluice.Stopped', 'Superseded by a hotfix'))).toBe('stopped');

    expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({ status: 'Stopped', statusSummary: 'Superseded by a hotfix' });
    expect(await deps.store.listActions(pipeline.executionId)).toEqual([expect.objectContaining({ status: 'Abandoned' })]);
  });

  it("lets a stop succeed when Step Functions' abort reached the reconciler before the stop's own write", async () => {
    const pipeline = await midStage();
    const engineExecutionArn = change(pipeline.executionId, 'RUNNING').executionArn;
    await deps.store.recordEngineExecution(pipeline.executionId, engineExecutionArn);
    const engine: PipelineEngine = {
      deployPipeline: () => Promise.reject(new Error('not deployed here')),
      deletePipeline: () => Promise.reject(new Error('not deployed here')),
      startExecution: () => Promise.reject(new Error('not started here')),
      describeExecution: () => Promise.reject(new Error('not described here')),
      // The abort's status change, delivered while StopPipelineExecution is still between its two writes.
      stopExecution: async (executionArn, cause) => {
        await reconcileExecution(deps, { ...change(pipeline.executionId, 'ABORTED', STOPPED_ERROR, cause), executionArn });
      },
    };
    const operations = new PipelineOperations({ ...deps, ...testApprovalDependencies(suite.test) } as JobDependencies, {
      engine,
      functions: { stageStep: 'unused', actionRunner: 'unused', approvalRequest: 'unused' },
      runtime: 'aws',
    });

    await expect(
      operations.stopPipelineExecution({ pipelineName: 'webapp', pipelineExecutionId: pipeline.executionId, abandon: true, reason: 'Superseded' }),
    ).resolves.toEqual({ pipelineExecutionId: pipeline.executionId });

    expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({ status: 'Stopped', statusSummary: 'Superseded' });
    expect(eventsOf(pipeline.executionId).filter(([type]) => type === DETAIL_TYPES.pipeline)).toEqual([
      [DETAIL_TYPES.pipeline, '', 'STARTED'],
      [DETAIL_TYPES.pipeline, '', 'STOPPED'],
    ]);
  });

  it('ignores an execution this table does not hold, one run by another state machine execution, and a succeeded one', async () => {
    const pipeline = await midStage();
    const before = eventsOf(pipeline.executionId);

    expect(await reconcileExecution(deps, change('not-a-sluice-execution', 'FAILED', 'States.TaskFailed'))).toBe('not ours');
    await deps.store.recordEngineExecution(pipeline.executionId, change(pipeline.executionId, 'RUNNING').executionArn);
    expect(
      await reconcileExecution(deps, {
        ...change(pipeline.executionId, 'FAILED'),
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:sluice-test-other:x',
      }),
    ).toBe('not ours');
    expect(await reconcileExecution(deps, change(pipeline.executionId, 'SUCCEEDED'))).toBe('not an end');

    expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({ status: 'InProgress' });
    expect(eventsOf(pipeline.executionId)).toEqual(before);
  });

  it('refuses the late end of an action its execution was failed under', async () => {
    const pipeline = await midStage();
    await reconcileExecution(deps, change(pipeline.executionId, 'TIMED_OUT', 'States.Timeout'));
    const before = eventsOf(pipeline.executionId);

    provider.release();
    await Promise.allSettled(running);

    expect(await deps.store.listActions(pipeline.executionId)).toEqual([
      expect.objectContaining({ status: 'Failed', errorDetails: expect.objectContaining({ code: 'JobFailed' }) }),
    ]);
    expect(eventsOf(pipeline.executionId)).toEqual(before);
  });
});
