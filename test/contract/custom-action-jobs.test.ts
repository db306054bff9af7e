import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openLocalInstallation, type LocalInstallation } from '../../lib/compose/local';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import {
  ActionTypeNotFoundError,
  BadInputError,
  InvalidActionDeclarationError,
  InvalidJobStateError,
  InvalidNonceError,
  JobNotFoundError,
  ValidationError,
} from '../../lib/core/errors';
import { lambdaJobEvent } from '../../lib/actions/lambda-invoke';
import type { ActionStepPayload } from '../../lib/core/task-payloads';
import { queueJob } from '../../lib/execution/custom-action-jobs';
import type { Job, JobWorkerApi } from '../../lib/operations/job-worker-api';
import type { ExecutionDetail } from '../../lib/operations/sluice-api';

jest.setTimeout(60_000);

const fetchType = { category: 'Source', owner: 'Custom', provider: 'Fetch', version: '1' } as const;
const toolType = { category: 'Build', owner: 'Custom', provider: 'Tool', version: '1' } as const;

describe('custom actions and the job-worker API, on a local installation that runs executions', () => {
  let dataDir: string;
  let installation: LocalInstallation;
  let jobs: JobWorkerApi;
  let pipelines = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-jobs-'));
    installation = await openLocalInstallation({ dataDir, command: 'test', serveApi: true, runInBackground: {}, write: () => undefined });
    jobs = installation.operations;
    await jobs.createCustomActionType({
      category: 'Source',
      provider: 'Fetch',
      version: '1',
      configurationProperties: [{ name: 'Repo', required: true, key: true, secret: false, queryable: true, description: 'The repository' }],
      inputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      outputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
    });
    await jobs.createCustomActionType({
      category: 'Build',
      provider: 'Tool',
      version: '1',
      configurationProperties: [
        { name: 'Target', required: true, key: true, secret: false },
        { name: 'Mode', required: false, key: false, secret: false },
      ],
      inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
      outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      tags: [{ key: 'team', value: 'ci' }],
    });
  });

  afterAll(async () => {
    await installation?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A pipeline whose Fetch source (namespace FetchVars) feeds Tool, whose Target is the Tag that Fetch's worker reports. */
  function twoCustomActions(repo: string, tool: Partial<ActionDeclaration> = {}): PipelineDeclaration {
    pipelines += 1;
    return {
      name: `custom-${pipelines}`,
      stages: [
        {
          name: 'Source',
          actions: [{ name: 'Fetch', actionTypeId: fetchType, configuration: { Repo: repo }, outputArtifacts: [{ name: 'Src' }], namespace: 'FetchVars' }],
        },
        {
          name: 'Build',
          actions: [
            {
              name: 'Tool',
              actionTypeId: toolType,
              configuration: { Target: '#{FetchVars.Tag}' },
              inputArtifacts: [{ name: 'Src' }],
              namespace: 'ToolVars',
              ...tool,
            },
          ],
        },
      ],
    };
  }

  /** Creates the pipeline: as in CodePipeline, that starts its first execution. */
  async function start(pipeline: PipelineDeclaration): Promise<string> {
    const { firstExecution } = await installation.operations.createPipeline(pipeline);
    if (!('pipelineExecutionId' in firstExecution)) throw new Error(`CreatePipeline started no execution: ${firstExecution.notStarted}`);
    return firstExecution.pipelineExecutionId;
  }

  /** Polls as a worker does, until a job of the type is there. */
  async function pollUntilJob(request: Parameters<JobWorkerApi['pollForJobs']>[0]): Promise<Job> {
    for (let attempt = 0; attempt < 400; attempt += 1) {
      const [job] = await jobs.pollForJobs(request);
      if (job) return job;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`No job of ${request.actionTypeId.provider} was queued.`);
  }

  async function finished(executionId: string): Promise<ExecutionDetail> {
    for (let attempt = 0; attempt < 400; attempt += 1) {
      const detail = await installation.operations.getPipelineExecution(executionId);
      if (detail.execution.status !== 'InProgress') return detail;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`Execution ${executionId} did not end.`);
  }

  test('a worker polls, acknowledges, continues with a token, and succeeds with output variables that the next action uses', async () => {
    const executionId = await start(twoCustomActions('alpha'));

    const first = await pollUntilJob({ actionTypeId: fetchType, maxBatchSize: 5, queryParam: { Repo: 'alpha' } });
    expect(first.data.actionConfiguration.configuration).toEqual({ Repo: 'alpha' });
    expect(first.data.pipelineContext).toMatchObject({
      pipelineName: `custom-${pipelines}`,
      stage: { name: 'Source' },
      action: { name: 'Fetch' },
      pipelineExecutionId: executionId,
    });
    expect(first.data.outputArtifacts).toEqual([
      { name: 'Src', location: { type: 'S3', s3Location: { bucketName: 'sluice-artifacts', objectKey: expect.stringMatching(/^custom-\d+\/Src\/.+\.zip$/) } } },
    ]);
    expect(first.data.continuationToken).toBeUndefined();
    // Dispatched once: a second poll does not hand it out again.
    expect(await jobs.pollForJobs({ actionTypeId: fetchType, queryParam: { Repo: 'alpha' } })).toEqual([]);

    await expect(jobs.putJobSuccessResult({ jobId: first.id })).rejects.toThrow(InvalidJobStateError);
    await expect(jobs.acknowledgeJob(first.id, 'not-the-nonce')).rejects.toThrow(InvalidNonceError);
    expect(await jobs.acknowledgeJob(first.id, first.nonce)).toBe('InProgress');
    await expect(jobs.putJobSuccessResult({ jobId: first.id, continuationToken: 'page-2', outputVariables: { Tag: 'early' } })).rejects.toThrow(
      ValidationError,
    );
    await jobs.putJobSuccessResult({ jobId: first.id, continuationToken: 'page-2', executionDetails: { summary: 'half way', percentComplete: 50 } });

    const second = await pollUntilJob({ actionTypeId: fetchType, queryParam: { Repo: 'alpha' } });
    expect(second.id).not.toBe(first.id);
    expect(second.data.continuationToken).toBe('page-2');
    expect(second.data.outputArtifacts).toEqual(first.data.outputArtifacts);
    expect(await jobs.acknowledgeJob(second.id, second.nonce)).toBe('InProgress');
    await jobs.putJobSuccessResult({
      jobId: second.id,
      outputVariables: { Tag: 'v7' },
      executionDetails: { summary: 'fetched', externalExecutionId: 'run-1' },
    });
    // A finished job takes no second result.
    await expect(jobs.putJobSuccessResult({ jobId: second.id })).rejects.toThrow(InvalidJobStateError);

    const tool = await pollUntilJob({ actionTypeId: toolType });
    expect(tool.data.actionConfiguration.configuration).toEqual({ Target: 'v7' });
    expect(tool.data.inputArtifacts).toEqual([{ name: 'Src', location: first.data.outputArtifacts[0]!.location }]);
    expect((await jobs.getJobDetails(tool.id)).data).toEqual(tool.data);
    await jobs.acknowledgeJob(tool.id, tool.nonce);
    await jobs.putJobSuccessResult({ jobId: tool.id, outputVariables: { Image: 'img:v7' } });

    const detail = await finished(executionId);
    expect(detail.execution.status).toBe('Succeeded');
    const fetch = detail.actions.find((action) => action.actionName === 'Fetch')!;
    expect(fetch).toMatchObject({
      status: 'Succeeded',
      output: {
        outputVariables: { Tag: 'v7' },
        outputArtifacts: [{ name: 'Src', s3location: first.data.outputArtifacts[0]!.location.s3Location }],
        executionResult: { externalExecutionSummary: 'fetched', externalExecutionId: 'run-1' },
      },
    });
    expect(detail.actions.find((action) => action.actionName === 'Tool')).toMatchObject({
      status: 'Succeeded',
      input: { resolvedConfiguration: { Target: 'v7' } },
      output: { outputVariables: { Image: 'img:v7' } },
    });
  });

  test('a worker that reports failure fails its action with its message, and the execution with it', async () => {
    const executionId = await start(twoCustomActions('beta'));
    const fetch = await pollUntilJob({ actionTypeId: fetchType, queryParam: { Repo: 'beta' } });
    await jobs.acknowledgeJob(fetch.id, fetch.nonce);
    await expect(jobs.putJobFailureResult({ jobId: fetch.id, failureDetails: { type: 'Nonsense' as never, message: 'x' } })).rejects.toThrow(
      /failureDetails.type must be one of JobFailed/,
    );
    await jobs.putJobFailureResult({ jobId: fetch.id, failureDetails: { type: 'JobFailed', message: 'the repository is unreachable' } });
    await expect(jobs.putJobFailureResult({ jobId: fetch.id, failureDetails: { type: 'JobFailed', message: 'again' } })).rejects.toThrow(InvalidJobStateError);

    const detail = await finished(executionId);
    expect(detail.execution.status).toBe('Failed');
    expect(detail.execution.statusSummary).toContain('the repository is unreachable');
    expect(detail.actions.find((action) => action.actionName === 'Fetch')).toMatchObject({
      status: 'Failed',
      errorDetails: { message: 'the repository is unreachable' },
    });
  });

  test('a job nobody takes times out, and its action fails saying so', async () => {
    await writeFile(path.join(dataDir, 'settings.json'), JSON.stringify({ customActions: { jobTimeoutSeconds: 1 } }));
    try {
      const executionId = await start(twoCustomActions('gamma'));
      const detail = await finished(executionId);
      expect(detail.execution.status).toBe('Failed');
      const fetch = detail.actions.find((action) => action.actionName === 'Fetch')!;
      expect(fetch.status).toBe('Failed');
      expect(fetch.errorDetails?.message).toMatch(/No job worker finished the job of Source\/Custom\/Fetch\/1 within .* minutes: the action timed out/);
      // The timed-out job is no longer handed out.
      expect(await jobs.pollForJobs({ actionTypeId: fetchType, queryParam: { Repo: 'gamma' } })).toEqual([]);
    } finally {
      await rm(path.join(dataDir, 'settings.json'));
    }
  });

  test('a stopped execution hands out no job of its waiting action', async () => {
    const pipeline = twoCustomActions('epsilon');
    const executionId = await start(pipeline);
    const queued = async () => (await installation.operations.getPipelineExecution(executionId)).actions.some((action) => action.actionName === 'Fetch');
    for (let attempt = 0; attempt < 400 && !(await queued()); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    await installation.operations.stopPipelineExecution({ pipelineName: pipeline.name, pipelineExecutionId: executionId, abandon: true });

    expect((await finished(executionId)).execution.status).toBe('Stopped');
    expect(await jobs.pollForJobs({ actionTypeId: fetchType, queryParam: { Repo: 'epsilon' } })).toEqual([]);
  });

  test("a job of a pipeline whose artifact store has a KMS key hands its key to the worker and to a Lambda function, in CodePipeline's JobData shape", async () => {
    const keyArn = 'arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const payload = (action: ActionDeclaration): ActionStepPayload => ({
      step: 'queueJob',
      pipeline: { name: 'keyed', version: 1, executionId: randomUUID(), variables: {}, artifactStore: { bucketName: 'keyed-artifacts', kmsKeyId: keyArn } },
      stage: 'Build',
      action,
      inputArtifacts: [{ name: 'Src', location: { bucketName: 'keyed-artifacts', objectKey: 'keyed/Src/abc.zip' } }],
      namespaces: {},
      taskToken: randomUUID(),
    });
    const job = await queueJob(
      installation.deps,
      payload({ name: 'Compile', actionTypeId: toolType, configuration: { Target: 'all' }, inputArtifacts: [{ name: 'Src' }] }),
    );
    expect((await jobs.getJobDetails(job.jobId)).data.encryptionKey).toEqual({ id: keyArn, type: 'KMS' });
    const lambdaJob = await queueJob(
      { ...installation.deps, jobFunctions: { start: async () => undefined } },
      payload({
        name: 'Notify',
        actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' },
        configuration: { FunctionName: 'notify' },
      }),
    );
    expect(lambdaJobEvent(lambdaJob, '000000000000')['CodePipeline.job'].data.encryptionKey).toEqual({ id: keyArn, type: 'KMS' });
  });

  test('refusals: unknown jobs and types, the queryable property, duplicate and deleted types', async () => {
    await expect(jobs.getJobDetails('00000000-0000-0000-0000-000000000000')).rejects.toThrow(JobNotFoundError);
    await expect(jobs.acknowledgeJob('00000000-0000-0000-0000-000000000000', 'n')).rejects.toThrow(JobNotFoundError);
    await expect(
      jobs.putJobFailureResult({ jobId: '00000000-0000-0000-0000-000000000000', failureDetails: { type: 'JobFailed', message: 'm' } }),
    ).rejects.toThrow(JobNotFoundError);
    await expect(jobs.pollForJobs({ actionTypeId: { ...toolType, provider: 'Nope' } })).rejects.toThrow(ActionTypeNotFoundError);
    await expect(jobs.pollForJobs({ actionTypeId: { ...toolType, owner: 'AWS' } })).rejects.toThrow(ActionTypeNotFoundError);
    await expect(jobs.pollForJobs({ actionTypeId: fetchType })).rejects.toThrow(/has the queryable property Repo: give it in queryParam/);
    await expect(jobs.pollForJobs({ actionTypeId: toolType, queryParam: { Target: 'x' } })).rejects.toThrow(/has no queryable property/);
    await expect(jobs.pollForJobs({ actionTypeId: toolType, maxBatchSize: 0 })).rejects.toThrow(ValidationError);

    const type = {
      category: 'Test',
      provider: 'Once',
      version: '1',
      inputArtifactDetails: { minimumCount: 0, maximumCount: 1 },
      outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
    };
    await jobs.createCustomActionType(type);
    await expect(jobs.createCustomActionType(type)).rejects.toThrow(/already exists/);
    expect((await jobs.listCustomActionTypes()).map((entry) => entry.id.provider).sort()).toEqual(['Fetch', 'Once', 'Tool']);
    await jobs.deleteCustomActionType({ category: 'Test', provider: 'Once', version: '1' });
    expect((await jobs.listCustomActionTypes()).map((entry) => entry.id.provider).sort()).toEqual(['Fetch', 'Tool']);
    await expect(jobs.createCustomActionType(type)).rejects.toThrow(/was deleted .* a deleted version cannot be created again/);
    await expect(jobs.deleteCustomActionType({ category: 'Test', provider: 'Once', version: '1' })).rejects.toThrow(ValidationError);
    await expect(
      jobs.createCustomActionType({
        ...type,
        version: '2',
        configurationProperties: [{ name: 'Q', required: false, key: true, secret: false, queryable: true }],
      }),
    ).rejects.toThrow(/The queryable property Q must be required and not secret/);
    await expect(jobs.createCustomActionType({ ...type, version: '3', category: 'Nothing' })).rejects.toThrow(ValidationError);
  });

  test('a pipeline refuses a custom type that is not registered, and configuration its type does not declare', async () => {
    const unknown = twoCustomActions('delta', { actionTypeId: { ...toolType, version: '9' } });
    await expect(installation.operations.createPipeline(unknown)).rejects.toThrow(InvalidActionDeclarationError);
    await expect(installation.operations.createPipeline(unknown)).rejects.toThrow(
      /stages\[1\]\.actions\[0\] \(Tool\): there is no custom action type Build\/Custom\/Tool\/9/,
    );

    const missing = twoCustomActions('delta', { configuration: { Mode: 'fast' } });
    await expect(installation.operations.createPipeline(missing)).rejects.toThrow(BadInputError);
    await expect(installation.operations.createPipeline(missing)).rejects.toThrow(/configuration\.Target: Tool needs configuration Target/);
    const extra = twoCustomActions('delta', { configuration: { Target: 't', Colour: 'red' } });
    await expect(installation.operations.createPipeline(extra)).rejects.toThrow(/Tool has no configuration key "Colour"/);
  });

  test('ListActionTypes and GetActionType answer for the registered custom types as they were registered, and no longer once deleted', async () => {
    const listed = { category: 'Deploy', owner: 'Custom', provider: 'Listed', version: '1' } as const;
    await jobs.createCustomActionType({
      category: listed.category,
      provider: listed.provider,
      version: listed.version,
      settings: { entityUrlTemplate: 'https://deploy.example.com/{Config:Fleet}' },
      configurationProperties: [{ name: 'Fleet', required: true, key: true, secret: false, queryable: true, type: 'String' }],
      inputArtifactDetails: { minimumCount: 1, maximumCount: 2 },
      outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
    });
    const expected = {
      id: listed,
      settings: { entityUrlTemplate: 'https://deploy.example.com/{Config:Fleet}' },
      configurationProperties: [{ name: 'Fleet', required: true, key: true, secret: false, queryable: true, type: 'String' }],
      inputArtifactDetails: { minimumCount: 1, maximumCount: 2 },
      outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
    };
    const { operations } = installation;
    expect(await operations.listActionTypes('Custom')).toContainEqual(expected);
    expect(await operations.listActionTypes()).toContainEqual(expected);
    expect((await operations.listActionTypes('Custom')).map((type) => type.id.provider)).toEqual(expect.arrayContaining(['Fetch', 'Tool', 'Git']));
    expect(await operations.listActionTypes('AWS')).not.toContainEqual(expected);
    expect(await operations.getActionType(listed)).toEqual(expected);

    await jobs.deleteCustomActionType({ category: listed.category, provider: listed.provider, version: listed.version });
    expect((await operations.listActionTypes('Custom')).map((type) => type.id.provider)).not.toContain('Listed');
    await expect(operations.getActionType(listed)).rejects.toThrow(ActionTypeNotFoundError);
  });
});
