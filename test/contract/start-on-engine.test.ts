import { runnerCommandsSpec } from '../support/runner-commands';
import { localExecutionArn } from '../../lib/adapters/local/local-engine';
import { FUNCTION_PLACEHOLDERS } from '../../lib/core/compile';
import { STOPPED_BY_USER } from '../../lib/core/engine-run-end';
import { DETAIL_TYPES, type PipelineEvent } from '../../lib/core/events';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import {
  ConflictError,
  DuplicatedStopRequestError,
  InvalidArnError,
  InvalidTagsError,
  PipelineExecutionNotStoppableError,
  ResourceNotFoundError,
  TooManyTagsError,
  ValidationError,
} from '../../lib/core/errors';
import { launchInBackground, runInForeground } from '../../lib/execution/start-on-engine';
import { RUN_OPERATIONS } from '../../lib/api/codepipeline/run-operations';
import { httpApi } from '../../lib/api/http-api';
import { invoke } from '../support/api-gateway-events';
import { PipelineOperations, type OperationsDependencies } from '../../lib/operations/pipeline-operations';
import type { PipelineEngine } from '../../lib/ports/engine';
import { gitSourceStage } from '../support/declarations';
import { stackPerSuite } from '../support/embedded-stack';
import { stepEngine } from '../support/step-engine';
import { testOperationsDependencies, unreadCheckout, type TestExecutionDependencies } from '../support/execution-deps';

const compute = { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' } as const;
const trigger = { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } as const;
/** Who runs the foreground executions, as the audit trail records them. */
const caller = { who: 'alice', from: 'cli' };

describe('executions started on an engine', () => {
  const suite = stackPerSuite();
  let deps: OperationsDependencies & TestExecutionDependencies['deps'];
  let pipelines = 0;
  /** Aborted by the test that wants the running action to end. */
  let holdAction: Promise<void> = Promise.resolve();
  /** Every event the executions published, in order. */
  let published: PipelineEvent[] = [];
  /** The states of the events of one execution, of one detail-type, and of one stage or none. */
  const statesOf = (executionId: string, detailType: string, stage?: string) =>
    published
      .filter(
        (event) => event.detail['execution-id'] === executionId && event['detail-type'] === detailType && (event.detail as { stage?: string }).stage === stage,
      )
      .map((event) => event.detail.state);

  beforeAll(async () => {
    // The build waits for `holdAction`, and ignores its signal as a slow step would; the checkout does nothing.
    const build = {
      spec: runnerCommandsSpec,
      run: async () => {
        await holdAction;
        return { outputArtifacts: [], outputVariables: {} };
      },
    };
    ({ deps, events: published } = await testOperationsDependencies(suite.test, { providers: [unreadCheckout, build], workspaceRoot: suite.scratch }));
  });

  function pipeline(): PipelineDeclaration {
    pipelines += 1;
    return {
      name: `built-${pipelines}`,
      stages: [
        gitSourceStage('.'),
        { name: 'Build', actions: [{ name: 'Compile', actionTypeId: compute, commands: ['make'], inputArtifacts: [{ name: 'Src' }] }] },
      ],
    };
  }

  const engine = () => stepEngine(deps);

  it('runs an execution in the foreground to its end, the record naming the engine run', async () => {
    const declaration = pipeline();
    const execution = await runInForeground(deps, engine(), { pipeline: declaration, version: 1, trigger, caller }, {});
    expect(execution).toMatchObject({ status: 'Succeeded', engineExecutionArn: localExecutionArn(execution.pipelineExecutionId), trigger });
    expect(await audited(declaration.name)).toEqual([
      expect.objectContaining({ ...caller, operation: 'StartPipelineExecution', pipelineExecutionId: execution.pipelineExecutionId, parameters: {} }),
    ]);
  });

  /** What the audit trail recorded of a pipeline, newest first. */
  const audited = async (pipelineName: string) => (await deps.audit.list({ pipelineName, limit: 10 })).items;

  /** A foreground run of `declaration` whose Compile is running, held until `release`, and the signals that stop it. */
  async function heldForegroundRun(declaration: PipelineDeclaration) {
    let release = () => {};
    holdAction = new Promise((resolve) => (release = resolve));
    const waiting = new AbortController();
    const abandoning = new AbortController();
    const stop = { wait: waiting.signal, abandon: abandoning.signal, feed: deps.eventFeed! };
    const running = runInForeground(deps, engine(), { pipeline: declaration, version: 1, trigger, caller }, {}, stop);
    const compiling = async () => {
      const [execution] = await deps.store.listExecutions(declaration.name);
      return !!execution && (await deps.store.listActions(execution.pipelineExecutionId)).some((action) => action.actionName === 'Compile');
    };
    while (!(await compiling())) await new Promise((resolve) => setTimeout(resolve, 10));
    const { pipelineExecutionId } = (await deps.store.listExecutions(declaration.name))[0]!;
    return { running, release, waiting, abandoning, pipelineExecutionId };
  }

  it('stops a foreground run at once when its abandon signal aborts, the summary saying who stopped it', async () => {
    const { running, release, abandoning } = await heldForegroundRun(pipeline());
    abandoning.abort();
    setTimeout(release, 50);
    const execution = await running;
    expect(execution).toMatchObject({ status: 'Stopped', statusSummary: STOPPED_BY_USER });
    expect((await deps.store.listActions(execution.pipelineExecutionId)).find((action) => action.actionName === 'Compile')).toMatchObject({
      status: 'Abandoned',
    });
    expect((await audited(execution.pipelineName)).map(({ operation, parameters }) => [operation, parameters])).toEqual([
      ['StopPipelineExecution', { abandon: true }],
      ['StartPipelineExecution', {}],
    ]);
  });

  it('stops a foreground run and waits when its wait signal aborts: Stopping, with STOPPING events, until the running action finishes; no new stage starts', async () => {
    const built = pipeline();
    const declaration = { ...built, stages: [...built.stages, { name: 'After', actions: [{ name: 'Never', actionTypeId: compute, commands: ['true'] }] }] };
    const { running, release, waiting, pipelineExecutionId } = await heldForegroundRun(declaration);
    waiting.abort('after this build');
    while (!statesOf(pipelineExecutionId, DETAIL_TYPES.pipeline).includes('STOPPING')) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await deps.store.getExecution(pipelineExecutionId)).toMatchObject({ status: 'Stopping', statusSummary: 'after this build' });
    expect(statesOf(pipelineExecutionId, DETAIL_TYPES.stage, 'Build')).toEqual(['STARTED', 'STOPPING']);
    expect((await deps.store.listStages(pipelineExecutionId)).find((stage) => stage.stageName === 'Build')).toMatchObject({ status: 'Stopping' });

    release();
    const execution = await running;
    expect(execution).toMatchObject({ status: 'Stopped', statusSummary: 'after this build' });
    expect((await deps.store.listActions(pipelineExecutionId)).map(({ actionName, status }) => ({ actionName, status }))).toEqual(
      expect.arrayContaining([{ actionName: 'Compile', status: 'Succeeded' }]),
    );
    const stages = await deps.store.listStages(pipelineExecutionId);
    expect(stages.find((stage) => stage.stageName === 'Build')).toMatchObject({ status: 'Stopped' });
    expect(stages.find((stage) => stage.stageName === 'After')).toBeUndefined();
    expect(statesOf(pipelineExecutionId, DETAIL_TYPES.pipeline)).toEqual(['STARTED', 'STOPPING', 'STOPPED']);
    expect(statesOf(pipelineExecutionId, DETAIL_TYPES.stage, 'Build')).toEqual(['STARTED', 'STOPPING', 'STOPPED']);
    expect((await audited(declaration.name))[0]).toMatchObject({
      ...caller,
      operation: 'StopPipelineExecution',
      pipelineExecutionId,
      parameters: { abandon: false },
      reason: 'after this build',
    });
  });

  it('stops in order when an abandon comes right after a stop and wait: the STOPPING events, then Stopped and its STOPPED event, with both stops recorded', async () => {
    const { running, release, waiting, abandoning, pipelineExecutionId } = await heldForegroundRun(pipeline());
    // The stop and wait marks each stage Stopping between making the execution Stopping and
    // publishing its STOPPING events: slowed, an abandon could otherwise end it and publish STOPPED in between.
    const putStage = deps.store.putStage.bind(deps.store);
    const slowed = jest.spyOn(deps.store, 'putStage').mockImplementation(async (stage) => {
      if (stage.status === 'Stopping') await new Promise((resolve) => setTimeout(resolve, 500));
      return putStage(stage);
    });
    waiting.abort();
    abandoning.abort();
    setTimeout(release, 50);
    const execution = await running.finally(() => slowed.mockRestore());
    expect(execution).toMatchObject({ status: 'Stopped' });
    expect(statesOf(pipelineExecutionId, DETAIL_TYPES.pipeline)).toEqual(['STARTED', 'STOPPING', 'STOPPED']);
    expect(statesOf(pipelineExecutionId, DETAIL_TYPES.stage, 'Build')).toEqual(['STARTED', 'STOPPING', 'STOPPED']);
    expect((await audited(execution.pipelineName)).map(({ operation, parameters }) => [operation, parameters])).toEqual([
      ['StopPipelineExecution', { abandon: true }],
      ['StopPipelineExecution', { abandon: false }],
      ['StartPipelineExecution', {}],
    ]);
  });

  it('ends an execution Failed when the engine refuses to start it, and tells why', async () => {
    const declaration = pipeline();
    const refusing = { startExecution: () => Promise.reject(new Error('no capacity')) } as unknown as PipelineEngine;
    await expect(launchInBackground(deps, refusing, { pipeline: declaration, version: 1, versionArn: 'local:x:1', trigger })).rejects.toThrow('no capacity');
    const [execution] = await deps.store.listExecutions(declaration.name);
    expect(execution).toMatchObject({ status: 'Failed', statusSummary: 'The engine did not start the execution: no capacity' });
  });

  it('deploys each registered version on the engine, starts it in the background and stops it there, as on AWS', async () => {
    let release = () => {};
    holdAction = new Promise((resolve) => (release = resolve));
    const local = engine();
    const operations = new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS });
    // PARALLEL: the execution started next runs beside the first one, held in Build, rather than wait for it.
    const declaration: PipelineDeclaration = { ...pipeline(), pipelineType: 'V2', executionMode: 'PARALLEL' };
    const registered = await operations.createPipeline(declaration);
    expect(registered).toMatchObject({ stateMachineArn: `local:${declaration.name}`, versionArn: expect.stringMatching(`^local:${declaration.name}:`) });
    // Creating it started its first execution, as CodePipeline does.
    expect(registered.firstExecution).toEqual({ pipelineExecutionId: expect.any(String) });

    const { pipelineExecutionId } = await operations.startPipelineExecution(declaration.name);
    const engineExecutionArn = localExecutionArn(pipelineExecutionId);
    expect((await operations.getPipelineExecution(pipelineExecutionId)).execution).toMatchObject({ status: 'InProgress', engineExecutionArn });
    const compiling = async () => (await deps.store.listActions(pipelineExecutionId)).some((action) => action.actionName === 'Compile');
    while (!(await compiling())) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await local.describeExecution(engineExecutionArn)).toEqual({ status: 'Running' });

    const stopping = operations.stopPipelineExecution({ pipelineName: declaration.name, pipelineExecutionId, reason: 'superseded by hand', abandon: true });
    // The action ignores its signal; the stop settles once it has ended, with nothing left half-written.
    setTimeout(release, 50);
    await expect(stopping).resolves.toEqual({ pipelineExecutionId });
    expect(await local.describeExecution(engineExecutionArn)).toEqual({ status: 'Stopped' });
    const detail = await operations.getPipelineExecution(pipelineExecutionId);
    expect(detail.execution).toMatchObject({ status: 'Stopped', statusSummary: 'superseded by hand' });
    expect(detail.actions.find((action) => action.actionName === 'Compile')).toMatchObject({ status: 'Abandoned' });
    await expect(operations.stopPipelineExecution({ pipelineName: declaration.name, pipelineExecutionId })).rejects.toThrow(
      new PipelineExecutionNotStoppableError(`Execution ${pipelineExecutionId} is Stopped; only an InProgress execution can be stopped.`),
    );
  });

  it('starts a version registered where no engine ran by deploying it then', async () => {
    holdAction = Promise.resolve();
    const declaration = pipeline();
    await new PipelineOperations(deps).createPipeline(declaration);
    expect(await deps.store.getPipeline(declaration.name)).not.toHaveProperty('versionArn');
    const local = engine();
    const { pipelineExecutionId } = await new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS }).startPipelineExecution(
      declaration.name,
    );
    await local.settled();
    expect(await deps.store.getExecution(pipelineExecutionId)).toMatchObject({ status: 'Succeeded' });
  });

  it('neither starts nor stops executions where no engine runs them', async () => {
    const operations = new PipelineOperations(deps);
    await expect(operations.startPipelineExecution('anything')).rejects.toBeInstanceOf(ConflictError);
    await expect(operations.stopPipelineExecution({ pipelineName: 'anything', pipelineExecutionId: 'e1' })).rejects.toThrow(
      'No sluice serve runs executions on this data dir',
    );
  });

  describe('the operations that start, stop and tag', () => {
    const running = (operations: PipelineOperations, id: string) => async () =>
      (await operations.getPipelineExecution(id)).actions.some((action) => action.actionName === 'Compile' && action.status === 'InProgress');
    const until = async (condition: () => Promise<boolean>) => {
      while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
    };

    /** A pipeline created on an engine whose builds do not wait, and the operations on that engine. */
    async function createdOnEngine() {
      holdAction = Promise.resolve();
      const local = engine();
      const operations = new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS });
      const declaration = pipeline();
      await operations.createPipeline(declaration);
      return { local, operations, declaration };
    }

    it('CreatePipeline starts the first execution with trigger CreatePipeline, and keeps its tags', async () => {
      holdAction = Promise.resolve();
      const local = engine();
      const declaration = pipeline();
      const created = await new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS }).createPipeline(declaration, [
        { key: 'team', value: 'web' },
      ]);
      expect(created.tags).toEqual([{ key: 'team', value: 'web' }]);
      const first = created.firstExecution as { pipelineExecutionId: string };
      await local.settled();
      expect(await deps.store.getExecution(first.pipelineExecutionId)).toMatchObject({
        status: 'Succeeded',
        trigger: { triggerType: 'CreatePipeline', triggerDetail: 'CreatePipeline' },
      });
      expect(await new PipelineOperations(deps).listTagsForResource(deps.pipelineArn(declaration.name))).toEqual([{ key: 'team', value: 'web' }]);
    });

    it('CreatePipeline where nothing runs executions in the background registers the pipeline and says how to start it', async () => {
      const declaration = pipeline();
      const created = await new PipelineOperations(deps).createPipeline(declaration);
      expect(created.firstExecution).toEqual({
        notStarted: expect.stringContaining(`sluice start-pipeline-execution ${declaration.name}, or start sluice serve`),
      });
      expect(await deps.store.listExecutions(declaration.name)).toEqual([]);
    });

    it('CreatePipeline refuses bad tags before it registers anything', async () => {
      const operations = new PipelineOperations(deps);
      const declaration = pipeline();
      await expect(operations.createPipeline(declaration, [{ key: 'aws:owner', value: 'x' }])).rejects.toBeInstanceOf(InvalidTagsError);
      const tooMany = Array.from({ length: 51 }, (_, index) => ({ key: `k${index}`, value: 'v' }));
      await expect(operations.createPipeline(declaration, tooMany)).rejects.toBeInstanceOf(TooManyTagsError);
      expect(await deps.store.getPipeline(declaration.name)).toBeUndefined();
    });

    it('tags, untags and lists the tags of a pipeline by its ARN, within CodePipeline limits, and forgets them with the pipeline', async () => {
      const operations = new PipelineOperations(deps);
      const declaration = pipeline();
      await operations.createPipeline(declaration);
      const arn = (await operations.getPipeline(declaration.name)).pipelineArn;
      await operations.tagResource(arn, [
        { key: 'team', value: 'web' },
        { key: 'tier', value: '1' },
      ]);
      await operations.tagResource(arn, [{ key: 'tier', value: '2' }]);
      expect(await operations.listTagsForResource(arn)).toEqual([
        { key: 'team', value: 'web' },
        { key: 'tier', value: '2' },
      ]);
      await operations.untagResource(arn, ['team', 'absent']);
      expect(await operations.listTagsForResource(arn)).toEqual([{ key: 'tier', value: '2' }]);

      await expect(operations.tagResource(arn, [{ key: 'aws:cost', value: 'x' }])).rejects.toThrow(InvalidTagsError);
      await expect(operations.tagResource(arn, [{ key: 'bad#key', value: 'x' }])).rejects.toThrow(InvalidTagsError);
      const fifty = Array.from({ length: 50 }, (_, index) => ({ key: `k${index}`, value: 'v' }));
      await expect(operations.tagResource(arn, fifty)).rejects.toThrow(TooManyTagsError);
      expect(await operations.listTagsForResource(arn)).toEqual([{ key: 'tier', value: '2' }]);
      await expect(operations.listTagsForResource('not-an-arn')).rejects.toBeInstanceOf(InvalidArnError);
      await expect(operations.listTagsForResource(deps.pipelineArn('no-such-pipeline'))).rejects.toBeInstanceOf(ResourceNotFoundError);
      await expect(operations.tagResource('arn:aws:codepipeline:eu-west-3:999999999999:other', [])).rejects.toBeInstanceOf(ResourceNotFoundError);

      await operations.deletePipeline(declaration.name);
      await operations.createPipeline(declaration);
      expect(await operations.listTagsForResource(arn)).toEqual([]);
    });

    it('answers the same execution for the same clientRequestToken, and refuses a malformed one', async () => {
      const { local, operations, declaration } = await createdOnEngine();
      const [first, second] = await Promise.all([
        operations.startPipelineExecution(declaration.name, {}, { clientRequestToken: 'deploy-42' }),
        operations.startPipelineExecution(declaration.name, {}, { clientRequestToken: 'deploy-42' }),
      ]);
      expect(second).toEqual(first);
      const other = await operations.startPipelineExecution(declaration.name, {}, { clientRequestToken: 'deploy-43' });
      expect(other.pipelineExecutionId).not.toBe(first.pipelineExecutionId);
      await expect(operations.startPipelineExecution(declaration.name, {}, { clientRequestToken: 'not a token!' })).rejects.toBeInstanceOf(ValidationError);
      await local.settled();
      // The creation's execution and the two tokens' executions: the repeated request started none.
      expect(await deps.store.listExecutions(declaration.name)).toHaveLength(3);
    });

    it('pins the source revisions StartPipelineExecution overrides, and refuses those the provider cannot pin, naming them', async () => {
      const { local, operations, declaration } = await createdOnEngine();
      const pin = { actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: 'abc123' };
      const { pipelineExecutionId } = await operations.startPipelineExecution(declaration.name, {}, { sourceRevisions: [pin] });
      expect(await deps.store.getExecution(pipelineExecutionId)).toMatchObject({ sourceRevisions: [pin] });

      const refused = async (override: { actionName: string; revisionType: string; revisionValue: string }, message: string) => {
        const start = operations.startPipelineExecution(declaration.name, {}, { sourceRevisions: [override] });
        await expect(start).rejects.toBeInstanceOf(ValidationError);
        await expect(start).rejects.toThrow(message);
      };
      await refused({ ...pin, revisionType: 'IMAGE_DIGEST' }, 'source action Checkout (Git) cannot be pinned to IMAGE_DIGEST; it can be pinned to COMMIT_ID');
      await refused({ ...pin, revisionType: 'S3_OBJECT_KEY' }, 'cannot be pinned to S3_OBJECT_KEY');
      await refused({ ...pin, actionName: 'Compile' }, 'Compile is not a source action of pipeline');
      await refused({ ...pin, revisionType: 'BRANCH' }, 'revisionType of Checkout must be one of');
      await local.settled();
    });

    /** A pipeline created on an engine, whose first execution's build is running, held until `release`. */
    async function heldBuild() {
      let release = () => {};
      holdAction = new Promise((resolve) => (release = resolve));
      const local = engine();
      const operations = new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS });
      const declaration = pipeline();
      const { pipelineExecutionId } = (await operations.createPipeline(declaration)).firstExecution as { pipelineExecutionId: string };
      await until(running(operations, pipelineExecutionId));
      return { local, operations, declaration, pipelineExecutionId, release };
    }

    it('stops and waits: Stopping while the action in progress finishes, then Stopped, with a second stop refused as a duplicate', async () => {
      const { local, operations, declaration, pipelineExecutionId, release } = await heldBuild();
      const request = { pipelineName: declaration.name, pipelineExecutionId, reason: 'wait for the build' };

      await expect(operations.stopPipelineExecution(request)).resolves.toEqual({ pipelineExecutionId });
      expect((await operations.getPipelineExecution(pipelineExecutionId)).execution.status).toBe('Stopping');
      await expect(operations.stopPipelineExecution(request)).rejects.toBeInstanceOf(DuplicatedStopRequestError);

      release();
      await until(async () => (await operations.getPipelineExecution(pipelineExecutionId)).execution.status !== 'Stopping');
      const detail = await operations.getPipelineExecution(pipelineExecutionId);
      expect(detail.execution).toMatchObject({ status: 'Stopped', statusSummary: 'wait for the build' });
      expect(detail.actions.find((action) => action.actionName === 'Compile')).toMatchObject({ status: 'Succeeded' });
      expect(statesOf(pipelineExecutionId, DETAIL_TYPES.pipeline)).toEqual(['STARTED', 'STOPPING', 'STOPPED']);
      await expect(operations.stopPipelineExecution(request)).rejects.toBeInstanceOf(PipelineExecutionNotStoppableError);
      await local.settled();
    });

    it('abandons the actions of a Stopping execution when asked to', async () => {
      const { local, operations, declaration, pipelineExecutionId, release } = await heldBuild();
      await operations.stopPipelineExecution({ pipelineName: declaration.name, pipelineExecutionId });
      setTimeout(release, 50);
      await operations.stopPipelineExecution({ pipelineName: declaration.name, pipelineExecutionId, abandon: true });
      const detail = await operations.getPipelineExecution(pipelineExecutionId);
      expect(detail.execution.status).toBe('Stopped');
      expect(detail.actions.find((action) => action.actionName === 'Compile')).toMatchObject({ status: 'Abandoned' });
      await local.settled();
    });

    it('answers on the wire in the model shapes', async () => {
      holdAction = Promise.resolve();
      const local = engine();
      const operations = new PipelineOperations(deps, { engine: local, functions: FUNCTION_PLACEHOLDERS });
      const declaration = pipeline();
      const created = await RUN_OPERATIONS.CreatePipeline(operations, { pipeline: declaration, tags: [{ key: 'team', value: 'web' }] } as never);
      expect(created).toEqual({ pipeline: { ...declaration, version: 1 }, tags: [{ key: 'team', value: 'web' }] });
      const arn = deps.pipelineArn(declaration.name);
      await RUN_OPERATIONS.TagResource(operations, { resourceArn: arn, tags: [{ key: 'tier', value: '1' }] });
      const firstPage = await RUN_OPERATIONS.ListTagsForResource(operations, { resourceArn: arn, maxResults: 1 });
      expect(firstPage).toEqual({ tags: [{ key: 'team', value: 'web' }], nextToken: expect.any(String) });
      expect(await RUN_OPERATIONS.ListTagsForResource(operations, { resourceArn: arn, nextToken: firstPage.nextToken })).toEqual({
        tags: [{ key: 'tier', value: '1' }],
      });
      await expect(RUN_OPERATIONS.ListTagsForResource(operations, { resourceArn: arn, nextToken: 'bogus' })).rejects.toMatchObject({
        codePipelineCode: 'InvalidNextTokenException',
      });
      await RUN_OPERATIONS.UntagResource(operations, { resourceArn: arn, tagKeys: ['team'] });
      expect((await RUN_OPERATIONS.ListTagsForResource(operations, { resourceArn: arn })).tags).toEqual([{ key: 'tier', value: '1' }]);

      const started = await RUN_OPERATIONS.StartPipelineExecution(operations, {
        name: declaration.name,
        clientRequestToken: 'wire-1',
        sourceRevisions: [{ actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: 'abc123' }],
      });
      expect(await RUN_OPERATIONS.StartPipelineExecution(operations, { name: declaration.name, clientRequestToken: 'wire-1' })).toEqual(started);
      await expect(
        RUN_OPERATIONS.StartPipelineExecution(operations, {
          name: declaration.name,
          sourceRevisions: [{ actionName: 'Checkout', revisionType: 'IMAGE_DIGEST', revisionValue: 'sha256:0' }],
        }),
      ).rejects.toMatchObject({ codePipelineCode: 'ValidationException' });
      await local.settled();
      await expect(
        RUN_OPERATIONS.StopPipelineExecution(operations, { pipelineName: declaration.name, pipelineExecutionId: started.pipelineExecutionId! }),
      ).rejects.toMatchObject({
        codePipelineCode: 'PipelineExecutionNotStoppableException',
      });
    });

    it('answers the same operations through /api/..., with the status of each refusal', async () => {
      holdAction = Promise.resolve();
      const local = engine();
      const operations = new PipelineOperations(deps, {
        engine: local,
        functions: FUNCTION_PLACEHOLDERS,
        gitHubWebhook: () => ({ url: 'http://127.0.0.1:9/webhooks/github', secretSource: 'sluice webhook-secret' }),
      });
      const http = httpApi({ api: () => operations, approvals: () => deps }, { log: { error: jest.fn() } });
      const declaration = pipeline();
      const created = await invoke(http, 'POST', '/api/pipelines', { pipeline: declaration, tags: [{ key: 'team', value: 'web' }] });
      expect(created).toMatchObject({
        status: 200,
        body: { name: declaration.name, tags: [{ key: 'team', value: 'web' }], firstExecution: { pipelineExecutionId: expect.any(String) } },
      });
      const arn = encodeURIComponent(deps.pipelineArn(declaration.name));
      expect(await invoke(http, 'POST', '/api/tags', { resourceArn: deps.pipelineArn(declaration.name), tags: [{ key: 'tier', value: '1' }] })).toEqual({
        status: 200,
        body: {},
      });
      expect(await invoke(http, 'POST', '/api/untag', { resourceArn: deps.pipelineArn(declaration.name), tagKeys: ['team'] })).toEqual({
        status: 200,
        body: {},
      });
      expect(await invoke(http, 'GET', `/api/tags?resourceArn=${arn}`)).toEqual({ status: 200, body: [{ key: 'tier', value: '1' }] });
      expect((await invoke(http, 'GET', '/api/tags?resourceArn=nope')).status).toBe(400);
      expect((await invoke(http, 'GET', `/api/tags?resourceArn=${encodeURIComponent(deps.pipelineArn('absent'))}`)).status).toBe(404);
      expect((await invoke(http, 'POST', '/api/tags', { resourceArn: deps.pipelineArn(declaration.name), tags: [{ key: 'aws:x', value: '1' }] })).status).toBe(
        400,
      );

      const started = await invoke(http, 'POST', `/api/pipelines/${declaration.name}/executions`, {
        clientRequestToken: 'api-1',
        sourceRevisions: [{ actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: 'abc123' }],
      });
      expect(started.status).toBe(200);
      expect(await invoke(http, 'POST', `/api/pipelines/${declaration.name}/executions`, { clientRequestToken: 'api-1' })).toEqual(started);
      const refused = await invoke(http, 'POST', `/api/pipelines/${declaration.name}/executions`, {
        sourceRevisions: [{ actionName: 'Checkout', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: 'v1' }],
      });
      expect(refused).toMatchObject({ status: 400, body: { message: expect.stringContaining('cannot be pinned to S3_OBJECT_VERSION_ID') } });

      const custom = await invoke(http, 'GET', '/api/action-types?owner=Custom');
      expect(custom).toMatchObject({ status: 200, body: [{ id: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' } }] });
      expect((await invoke(http, 'GET', '/api/action-types/Source/AWS/S3/1')).body).toMatchObject({
        id: { provider: 'S3' },
        outputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
      });
      expect((await invoke(http, 'GET', '/api/action-types/Source/AWS/S3/9')).status).toBe(404);
      expect((await invoke(http, 'GET', '/api/action-types?owner=Nobody')).status).toBe(400);
      const webhooks = await invoke(http, 'GET', '/api/webhooks');
      expect(webhooks.status).toBe(200);
      // Every pipeline of the suite is registered in the one store; this one's is among them.
      expect((webhooks.body as unknown as { targetPipeline: string }[]).filter((webhook) => webhook.targetPipeline === declaration.name)).toEqual([
        {
          name: `${declaration.name}--Checkout`,
          targetPipeline: declaration.name,
          targetAction: 'Checkout',
          filters: [{ jsonPath: '$.ref', matchEquals: 'refs/heads/{BranchName}' }],
          url: 'http://127.0.0.1:9/webhooks/github',
        },
      ]);
      expect(await invoke(http, 'POST', '/api/webhooks', {})).toMatchObject({
        status: 400,
        body: { message: expect.stringContaining('Sluice has one GitHub webhook') },
      });
      await local.settled();
    });
  });
});
