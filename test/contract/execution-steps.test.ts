import { enterStage } from '../support/step-engine';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import type { ActionProvider } from '../../lib/actions/action-provider';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { ActionFailedError, BadInputError } from '../../lib/core/errors';
import type { PipelineEvent } from '../../lib/core/events';
import type { ActionStepPayload, PipelineRef } from '../../lib/core/task-payloads';
import { runAction, startAction } from '../../lib/execution/action-steps';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { endExecution } from '../../lib/execution/end-execution';
import { publishStageState } from '../../lib/execution/publish';
import { runStageStep } from '../../lib/execution/stage-steps';
import { executionVariables, startExecution } from '../../lib/execution/start-execution';
import { stackPerSuite } from '../support/embedded-stack';
import { TEST_ARTIFACT_BUCKET, testExecutionDependencies } from '../support/execution-deps';
import { customProviderSpec } from '../support/test-providers';

const PIPELINE_EVENT = 'CodePipeline Pipeline Execution State Change';
const STAGE_EVENT = 'CodePipeline Stage Execution State Change';
const ACTION_EVENT = 'CodePipeline Action Execution State Change';

/** The workspace of each run of writeFileProvider, which the step must remove. */
const workspacesSeen: string[] = [];

/** Writes its FileName with its Content into its output artifact, and outputs the name as `Written`. */
const writeFileProvider: ActionProvider = {
  spec: {
    category: 'Build',
    owner: 'Custom',
    provider: 'WriteFile',
    version: '1',
    description: 'Writes one file into its output artifact.',
    configuration: [
      { name: 'FileName', required: true, description: 'The file to write.' },
      { name: 'Content', required: true, description: 'What to write in it.' },
    ],
    inputArtifacts: { min: 0, max: 0 },
    outputArtifacts: { min: 1, max: 1 },
    outputVariables: ['Written'],
    runtimes: ['local'],
    cost: { pricedAs: 'runner', runnerMs: 1000 },
  },
  async run(context) {
    const { FileName: fileName, Content: content } = context.action.configuration as Record<string, string>;
    workspacesSeen.push(context.workspace);
    const directory = path.join(context.workspace, 'out');
    await mkdir(directory);
    await writeFile(path.join(directory, fileName!), content!);
    context.log(`wrote ${fileName}\n`);
    const location = await context.artifacts.storeArtifact({
      bucketName: context.artifactBucket,
      pipelineName: context.pipelineName,
      artifactName: context.action.outputArtifacts![0]!.name,
      directory,
    });
    return { outputArtifacts: [location], outputVariables: { Written: fileName! }, summary: `wrote ${fileName}` };
  },
};

const failingProvider: ActionProvider = {
  spec: customProviderSpec('Test', 'Fail', 'Always fails.'),
  async run(context) {
    context.log('checking the disk\n');
    throw new Error('the disk is full');
  },
};

/** An action that succeeds and writes nothing to its log. */
const silentProvider: ActionProvider = {
  spec: customProviderSpec('Test', 'Silent', 'Does nothing, and says nothing.'),
  run: async () => ({ outputArtifacts: [], outputVariables: {} }),
};

const silentAction: ActionDeclaration = { name: 'Quiet', actionTypeId: { category: 'Test', owner: 'Custom', provider: 'Silent', version: '1' } };

const writeAction: ActionDeclaration = {
  name: 'Write',
  actionTypeId: { category: 'Build', owner: 'Custom', provider: 'WriteFile', version: '1' },
  configuration: {
    FileName: 'release-#{variables.release}.txt',
    Content: 'execution #{codepipeline.PipelineExecutionId} of commit #{SourceVariables.CommitId} in #{variables.region}',
  },
  outputArtifacts: [{ name: 'BuildOutput' }],
  namespace: 'BuildVariables',
};

const failingAction: ActionDeclaration = {
  name: 'Explode',
  actionTypeId: { category: 'Test', owner: 'Custom', provider: 'Fail', version: '1' },
};

/** A long-running action, such as a CodeBuild build between prepareBuild and completeBuild. */
const compileAction: ActionDeclaration = {
  name: 'Compile',
  actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
  configuration: { ProjectName: 'webapp' },
};

const uploadAction: ActionDeclaration = { ...compileAction, name: 'Upload' };

const webapp: PipelineDeclaration = {
  name: 'webapp',
  variables: [{ name: 'region', defaultValue: 'eu-west-1' }, { name: 'release' }],
  stages: [
    { name: 'Source', actions: [{ ...writeAction, name: 'Checkout' }] },
    { name: 'Build', actions: [writeAction, failingAction, compileAction] },
    { name: 'Deploy', actions: [uploadAction] },
  ],
};

const trigger = { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' } as const;

function actionPayload(pipeline: PipelineRef, stage: string, action: ActionDeclaration): ActionStepPayload {
  return { step: 'runAction', pipeline, stage, action, inputArtifacts: [], namespaces: { SourceVariables: { CommitId: 'c0ffee1' } } };
}

describe('the execution steps on the embedded stack', () => {
  const suite = stackPerSuite();
  let deps: ExecutionDependencies;
  let events: PipelineEvent[];

  beforeAll(async () => {
    const workspaceRoot = path.join(suite.scratch, 'workspaces');
    await mkdir(workspaceRoot);
    ({ deps, events } = await testExecutionDependencies(suite.test, { providers: [writeFileProvider, failingProvider, silentProvider], workspaceRoot }));
  });

  const start = async (): Promise<PipelineRef> => (await startExecution(deps, { pipeline: webapp, version: 3, trigger, variables: { release: '7' } })).pipeline;

  /** The events of one execution, reduced to what identifies them. */
  const published = (pipeline: PipelineRef) =>
    events
      .filter((event) => event.detail['execution-id'] === pipeline.executionId)
      .map(({ 'detail-type': detailType, detail }) => ({
        detailType,
        state: detail.state,
        ...('stage' in detail ? { stage: detail.stage } : {}),
        ...('action' in detail ? { action: detail.action } : {}),
      }));

  const actionsOf = async (pipeline: PipelineRef) =>
    new Map((await deps.store.listActions(pipeline.executionId)).map((action) => [`${action.stageName}/${action.actionName}`, action]));

  const stagesOf = async (pipeline: PipelineRef) => new Map((await deps.store.listStages(pipeline.executionId)).map((stage) => [stage.stageName, stage]));

  describe('startExecution', () => {
    it('records an InProgress execution with its resolved variables and announces it STARTED', async () => {
      const input = await startExecution(deps, { pipeline: webapp, version: 3, trigger, variables: { release: '7' } });

      const { executionId } = input.pipeline;
      const { startTime: recordedStart } = (await deps.store.getExecution(executionId))!;
      expect(input).toEqual({
        pipeline: {
          name: 'webapp',
          version: 3,
          executionId,
          // Every event carries it: the steps read it from their input, not from the store.
          startTime: recordedStart,
          variables: { region: 'eu-west-1', release: '7' },
          artifactStore: { bucketName: TEST_ARTIFACT_BUCKET },
        },
        actions: {},
      });
      expect(await deps.store.getExecution(executionId)).toMatchObject({
        pipelineName: 'webapp',
        pipelineVersion: 3,
        status: 'InProgress',
        trigger,
        variables: { region: 'eu-west-1', release: '7' },
      });
      const [started, ...rest] = events.filter((event) => event.detail['execution-id'] === executionId);
      expect(rest).toEqual([]);
      const { startTime } = (await deps.store.getExecution(executionId))!;
      expect(started).toMatchObject({
        'detail-type': PIPELINE_EVENT,
        source: 'sluice',
        account: '000000000000',
        region: 'us-east-1',
        resources: ['arn:aws:codepipeline:us-east-1:000000000000:webapp'],
        detail: {
          pipeline: 'webapp',
          version: 3,
          'execution-id': executionId,
          'start-time': startTime,
          'pipeline-execution-attempt': 1,
          state: 'STARTED',
          'execution-trigger': { 'trigger-type': 'StartPipelineExecution', 'trigger-detail': 'alice' },
        },
      });
    });

    it("gives every event of the run its execution's start and attempt from the run's input, with no record to read", async () => {
      const { pipeline } = await startExecution(deps, { pipeline: webapp, version: 3, trigger, variables: { release: '7' } });
      await deps.store.deleteExecution(pipeline.executionId);

      await publishStageState(deps, pipeline, { stage: 'Build', state: 'STARTED' });
      await publishStageState(deps, { ...pipeline, retry: { stage: 'Build', attempt: 2, kept: {} } }, { stage: 'Build', state: 'STARTED' });

      expect(events.slice(-2).map(({ detail }) => [detail['start-time'], detail['pipeline-execution-attempt']])).toEqual([
        [pipeline.startTime, 1],
        [pipeline.startTime, 2],
      ]);
    });

    it('refuses an unknown variable, naming it and the variables there are, and records nothing', async () => {
      const before = (await deps.store.listExecutions('webapp')).length;

      const starting = startExecution(deps, { pipeline: webapp, version: 3, trigger, variables: { release: '7', regoin: 'us-east-1' } });

      await expect(starting).rejects.toThrow(BadInputError);
      await expect(starting).rejects.toThrow('Pipeline webapp has no variable regoin. Its variables: region, release.');
      expect(await deps.store.listExecutions('webapp')).toHaveLength(before);
    });

    it('takes a default unless --var overrides it, and refuses a variable left without a value', () => {
      expect(executionVariables(webapp, { release: '8', region: 'us-west-2' })).toEqual({ region: 'us-west-2', release: '8' });
      expect(() => executionVariables(webapp)).toThrow('Variable release has no default value; give one with --var release=VALUE.');
      expect(() => executionVariables({ ...webapp, variables: undefined }, { release: '8' })).toThrow('Its variables: none.');
    });
  });

  describe('runStageStep', () => {
    it('records a stage InProgress on entry and Succeeded on exit, keeping its start time', async () => {
      const pipeline = await start();

      await enterStage(deps, pipeline, 'Source');
      const entered = (await stagesOf(pipeline)).get('Source');
      await runStageStep(deps, { step: 'exitStage', pipeline, stage: 'Source' });
      const exited = (await stagesOf(pipeline)).get('Source');

      expect(entered).toMatchObject({ status: 'InProgress' });
      expect(exited).toMatchObject({ status: 'Succeeded', startTime: entered!.startTime });
      expect(exited!.lastUpdateTime > entered!.lastUpdateTime).toBe(true);
      expect((await deps.store.getExecution(pipeline.executionId))?.status).toBe('InProgress');
      expect(published(pipeline)).toEqual([
        { detailType: PIPELINE_EVENT, state: 'STARTED' },
        { detailType: STAGE_EVENT, state: 'STARTED', stage: 'Source' },
        { detailType: STAGE_EVENT, state: 'SUCCEEDED', stage: 'Source' },
      ]);
    });

    it('ends the execution Succeeded at the exit of the final stage, announcing it once even when the step runs again', async () => {
      const pipeline = await start();
      await enterStage(deps, pipeline, 'Build');

      await runStageStep(deps, { step: 'exitStage', pipeline, stage: 'Build', final: true });
      await runStageStep(deps, { step: 'exitStage', pipeline, stage: 'Build', final: true });

      expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({ status: 'Succeeded' });
      expect(published(pipeline).filter((event) => event.detailType === PIPELINE_EVENT)).toEqual([
        { detailType: PIPELINE_EVENT, state: 'STARTED' },
        { detailType: PIPELINE_EVENT, state: 'SUCCEEDED' },
      ]);
    });

    it("fails the stage's running actions, the stage and the execution, naming the action in the summary", async () => {
      const pipeline = await start();
      await enterStage(deps, pipeline, 'Build');
      await startAction(deps, actionPayload(pipeline, 'Build', compileAction), compileAction);
      await startAction(deps, actionPayload(pipeline, 'Deploy', uploadAction), uploadAction);

      await runStageStep(deps, {
        step: 'failStage',
        pipeline,
        stage: 'Build',
        error: { Error: 'States.Timeout', Cause: 'the build ran longer than 60 minutes' },
      });

      const reason = 'States.Timeout: the build ran longer than 60 minutes';
      const actions = await actionsOf(pipeline);
      expect(actions.get('Build/Compile')).toMatchObject({ status: 'Failed', errorDetails: { code: 'JobFailed', message: reason } });
      expect(actions.get('Deploy/Upload')).toMatchObject({ status: 'InProgress' });
      expect((await stagesOf(pipeline)).get('Build')).toMatchObject({ status: 'Failed' });
      expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({
        status: 'Failed',
        statusSummary: `Build/Compile failed: ${reason}`,
      });
      expect(published(pipeline).slice(-3)).toEqual([
        { detailType: ACTION_EVENT, state: 'FAILED', stage: 'Build', action: 'Compile' },
        { detailType: STAGE_EVENT, state: 'FAILED', stage: 'Build' },
        { detailType: PIPELINE_EVENT, state: 'FAILED' },
      ]);
      expect(events.at(-1)?.detail).toMatchObject({ 'execution-result': { 'external-execution-summary': `Build/Compile failed: ${reason}` } });
      expect(events.at(-3)?.detail).toMatchObject({
        'action-execution-id': actions.get('Build/Compile')!.actionExecutionId,
        'execution-result': { 'error-code': 'JobFailed', 'external-execution-summary': reason },
      });
    });

    it('fails each action of a runOrder group that did not record its own end with its own error, and leaves its siblings as they ended', async () => {
      const pipeline = await start();
      await enterStage(deps, pipeline, 'Build');
      await startAction(deps, actionPayload(pipeline, 'Build', compileAction), compileAction);
      await runAction(deps, actionPayload(pipeline, 'Build', writeAction), new AbortController().signal);

      // What the group's failed step hands over: Write's branch ended well, Compile's timed out.
      const timeout = { Error: 'States.Timeout', Cause: 'the build ran longer than 60 minutes' };
      await runStageStep(deps, { step: 'failStage', pipeline, stage: 'Build', error: { failures: [null, { action: 'Compile', error: timeout }] } });

      const reason = 'States.Timeout: the build ran longer than 60 minutes';
      const actions = await actionsOf(pipeline);
      expect(actions.get('Build/Compile')).toMatchObject({ status: 'Failed', errorDetails: { code: 'JobFailed', message: reason } });
      expect(actions.get('Build/Write')).toMatchObject({ status: 'Succeeded' });
      expect(actions.get('Build/Write')).not.toHaveProperty('errorDetails');
      expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({ status: 'Failed', statusSummary: `Build/Compile failed: ${reason}` });
    });

    it('names the failed action and its own error when the stage fails after it', async () => {
      const pipeline = await start();
      await enterStage(deps, pipeline, 'Build');
      await expect(runAction(deps, actionPayload(pipeline, 'Build', failingAction), new AbortController().signal)).rejects.toThrow('the disk is full');

      // What the state machine's Catch hands over for the action's error.
      await runStageStep(deps, { step: 'failStage', pipeline, stage: 'Build', error: { Error: 'Sluice.ActionFailed', Cause: 'the disk is full' } });

      expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({
        status: 'Failed',
        statusSummary: 'Build/Explode failed: the disk is full',
      });
      expect(published(pipeline).filter((event) => event.detailType === ACTION_EVENT)).toEqual([
        { detailType: ACTION_EVENT, state: 'STARTED', stage: 'Build', action: 'Explode' },
        { detailType: ACTION_EVENT, state: 'FAILED', stage: 'Build', action: 'Explode' },
      ]);
    });
  });

  describe('runAction', () => {
    it('resolves the configuration, runs the provider, and records its artifacts, variables and log', async () => {
      const pipeline = await start();

      const result = await runAction(deps, actionPayload(pipeline, 'Build', writeAction), new AbortController().signal);
      if ('inProgress' in result) throw new Error('a Commands action is done in one run');

      const content = `execution ${pipeline.executionId} of commit c0ffee1 in eu-west-1`;
      expect(result.variables).toEqual({ Written: 'release-7.txt' });
      expect(result.artifacts).toEqual([{ bucketName: TEST_ARTIFACT_BUCKET, objectKey: expect.stringMatching(/^webapp\/BuildOutput\/[^/]+\.zip$/) }]);
      const extracted = path.join(suite.scratch, `extracted-${pipeline.executionId}`);
      expect(await deps.artifacts.fetchArtifact(result.artifacts[0]!, extracted)).toEqual(['release-7.txt']);
      expect(await readFile(path.join(extracted, 'release-7.txt'), 'utf8')).toBe(content);

      const record = (await actionsOf(pipeline)).get('Build/Write');
      expect(record).toMatchObject({
        status: 'Succeeded',
        input: { resolvedConfiguration: { FileName: 'release-7.txt', Content: content }, namespace: 'BuildVariables' },
        output: {
          outputArtifacts: [{ name: 'BuildOutput', s3location: result.artifacts[0] }],
          outputVariables: { Written: 'release-7.txt' },
          executionResult: { externalExecutionSummary: 'wrote release-7.txt' },
        },
        logLocation: { bucketName: TEST_ARTIFACT_BUCKET, objectKey: `webapp/logs/${pipeline.executionId}/Build/Write.log` },
      });
      expect(await text((await deps.blobs.get(record!.logLocation!)).body)).toBe('wrote release-7.txt\n');
      await expect(access(workspacesSeen.at(-1)!)).rejects.toThrow('ENOENT');

      expect(published(pipeline).slice(1)).toEqual([
        { detailType: ACTION_EVENT, state: 'STARTED', stage: 'Build', action: 'Write' },
        { detailType: ACTION_EVENT, state: 'SUCCEEDED', stage: 'Build', action: 'Write' },
      ]);
      const [startedEvent, succeededEvent] = events.slice(-2);
      const { startTime } = (await deps.store.getExecution(pipeline.executionId))!;
      const ofAction = {
        'execution-id': pipeline.executionId,
        'start-time': startTime,
        'pipeline-execution-attempt': 1,
        stage: 'Build',
        action: 'Write',
        'action-execution-id': record!.actionExecutionId,
        region: 'us-east-1',
        type: writeAction.actionTypeId,
      };
      expect(startedEvent?.detail).toEqual({ pipeline: 'webapp', version: 3, ...ofAction, state: 'STARTED' });
      expect(succeededEvent?.detail).toEqual({
        pipeline: 'webapp',
        version: 3,
        ...ofAction,
        state: 'SUCCEEDED',
        'output-artifacts': [{ name: 'BuildOutput', s3location: { bucket: TEST_ARTIFACT_BUCKET, key: result.artifacts[0]!.objectKey } }],
        'execution-result': { 'external-execution-summary': 'wrote release-7.txt' },
      });
    });

    it("keeps the artifacts and log of a pipeline that declares an artifact store in its bucket, none in the installation's", async () => {
      const ownBucket = 'webapp-own-artifacts';
      await deps.blobs.ensureBucket(ownBucket);
      const declared = { ...webapp, artifactStore: { type: 'S3' as const, location: ownBucket } };
      const { pipeline } = await startExecution(deps, { pipeline: declared, version: 3, trigger, variables: { release: '7' } });
      expect(pipeline.artifactStore).toEqual({ bucketName: ownBucket });
      expect((await deps.store.getExecution(pipeline.executionId))?.artifactStore).toEqual({ bucketName: ownBucket });

      const result = await runAction(deps, actionPayload(pipeline, 'Build', writeAction), new AbortController().signal);
      if ('inProgress' in result) throw new Error('WriteFile is done in one run');

      expect(result.artifacts).toEqual([{ bucketName: ownBucket, objectKey: expect.stringMatching(/^webapp\/BuildOutput\/[^/]+\.zip$/) }]);
      const extracted = path.join(suite.scratch, `extracted-${pipeline.executionId}`);
      expect(await deps.artifacts.fetchArtifact(result.artifacts[0]!, extracted)).toEqual(['release-7.txt']);
      const log = { bucketName: ownBucket, objectKey: `webapp/logs/${pipeline.executionId}/Build/Write.log` };
      expect((await actionsOf(pipeline)).get('Build/Write')?.logLocation).toEqual(log);
      expect(await text((await deps.blobs.get(log)).body)).toBe('wrote release-7.txt\n');
      expect(await deps.blobs.listKeys(ownBucket, 'webapp/')).toEqual(expect.arrayContaining([result.artifacts[0]!.objectKey, log.objectKey]));
      const installationKeys = await deps.blobs.listKeys(TEST_ARTIFACT_BUCKET, 'webapp/');
      expect(installationKeys).not.toContain(result.artifacts[0]!.objectKey);
      expect(installationKeys.filter((key) => key.includes(pipeline.executionId))).toEqual([]);
    });

    it('stores no log for an action that wrote none, and its record points at none', async () => {
      const pipeline = await start();

      await runAction(deps, actionPayload(pipeline, 'Build', silentAction), new AbortController().signal);

      const record = (await actionsOf(pipeline)).get('Build/Quiet');
      expect(record?.status).toBe('Succeeded');
      expect(record).not.toHaveProperty('logLocation');
      expect(await deps.blobs.listKeys(TEST_ARTIFACT_BUCKET, `webapp/logs/${pipeline.executionId}/`)).toEqual([]);
    });

    it('records a failing provider Failed with its error and rethrows it as Sluice.ActionFailed', async () => {
      const pipeline = await start();

      const running = runAction(deps, actionPayload(pipeline, 'Build', failingAction), new AbortController().signal);

      await expect(running).rejects.toThrow(ActionFailedError);
      await expect(running).rejects.toMatchObject({ name: 'Sluice.ActionFailed', message: 'the disk is full' });
      const record = (await actionsOf(pipeline)).get('Build/Explode');
      expect(record).toMatchObject({ status: 'Failed', errorDetails: { code: 'Sluice.ActionFailed', message: 'the disk is full' } });
      expect(await text((await deps.blobs.get(record!.logLocation!)).body)).toBe('checking the disk\n\nthe disk is full\n');
      expect(published(pipeline).slice(1)).toEqual([
        { detailType: ACTION_EVENT, state: 'STARTED', stage: 'Build', action: 'Explode' },
        { detailType: ACTION_EVENT, state: 'FAILED', stage: 'Build', action: 'Explode' },
      ]);
      expect(events.at(-1)?.detail).toMatchObject({
        'action-execution-id': record!.actionExecutionId,
        'execution-result': { 'error-code': 'JobFailed', 'external-execution-summary': 'the disk is full' },
      });
    });
  });

  describe('endExecution', () => {
    it('stops an execution: running actions are Abandoned, running stages Stopped, finished ones kept', async () => {
      const pipeline = await start();
      await enterStage(deps, pipeline, 'Source');
      await runStageStep(deps, { step: 'exitStage', pipeline, stage: 'Source' });
      await enterStage(deps, pipeline, 'Build');
      await runAction(deps, actionPayload(pipeline, 'Build', writeAction), new AbortController().signal);
      await startAction(deps, actionPayload(pipeline, 'Build', compileAction), compileAction);
      const eventsBefore = published(pipeline).length;

      expect(await endExecution(deps, pipeline, 'Stopped', 'stopped by alice')).toBe(true);

      const actions = await actionsOf(pipeline);
      expect(actions.get('Build/Compile')).toMatchObject({ status: 'Abandoned', errorDetails: { code: 'Abandoned', message: 'stopped by alice' } });
      expect(actions.get('Build/Write')).toMatchObject({ status: 'Succeeded' });
      const stages = await stagesOf(pipeline);
      expect(stages.get('Source')).toMatchObject({ status: 'Succeeded' });
      expect(stages.get('Build')).toMatchObject({ status: 'Stopped' });
      expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({ status: 'Stopped', statusSummary: 'stopped by alice' });
      expect(published(pipeline).slice(eventsBefore)).toEqual([
        { detailType: ACTION_EVENT, state: 'ABANDONED', stage: 'Build', action: 'Compile' },
        { detailType: STAGE_EVENT, state: 'STOPPED', stage: 'Build' },
        { detailType: PIPELINE_EVENT, state: 'STOPPED' },
      ]);
    });

    it('changes nothing and announces nothing for an execution that has already ended', async () => {
      const pipeline = await start();
      await enterStage(deps, pipeline, 'Build');
      await runStageStep(deps, { step: 'exitStage', pipeline, stage: 'Build', final: true });
      const eventsBefore = published(pipeline).length;

      expect(await endExecution(deps, pipeline, 'Stopped', 'stopped by alice')).toBe(false);

      expect(await deps.store.getExecution(pipeline.executionId)).toMatchObject({ status: 'Succeeded' });
      expect(published(pipeline)).toHaveLength(eventsBefore);
    });
  });
});
