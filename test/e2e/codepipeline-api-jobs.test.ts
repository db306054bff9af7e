import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JOB_OPERATIONS } from '../../lib/api/codepipeline/job-operations';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { killStartedSluice, type RunningCli } from '../support/cli';
import { type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { conformanceCall, conformanceRows, operationsWithoutCases, type ConformanceCase } from '../support/conformance-cases';
import { customToolStage, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(120_000);

const REGION = 'eu-west-1';

/** The custom type the pipelines use; its Target is queryable, so a worker polls for one pipeline's jobs. */
const TOOL = { category: 'Build', provider: 'ConformTool', version: '1' } as const;
const TOOL_ID = { ...TOOL, owner: 'Custom' } as const;
/** A type registered only to be deleted. */
const SCRATCH = { category: 'Test', provider: 'Scratch', version: '1' } as const;
const SCRATCH_ID = { ...SCRATCH, owner: 'Custom' } as const;
const TOOL_TYPE = {
  ...TOOL,
  settings: {
    thirdPartyConfigurationUrl: 'https://tool.example.com/setup',
    entityUrlTemplate: 'https://tool.example.com/targets/{Config:Target}',
    executionUrlTemplate: 'https://tool.example.com/runs/{ExternalExecutionId}',
  },
  configurationProperties: [
    { name: 'Target', required: true, key: true, secret: false, queryable: true, description: 'What the tool builds', type: 'String' },
    { name: 'Token', required: false, key: false, secret: true },
  ],
  inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
  outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
};
const UNKNOWN_JOB = '00000000-0000-0000-0000-000000000000';

let serve: RunningCli;
let caller: CodePipelineCaller;
let repo: string;

/** A pipeline whose Build stage is the custom Tool action, its Target the pipeline's name. */
function toolPipeline(name: string): PipelineDeclaration {
  return { name, stages: [gitSourceStage(repo), customToolStage(TOOL.provider, name)] };
}

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-codepipeline-api-jobs-'));
  repo = gitRepository({ 'app.txt': 'v1' }, 'feat: first').dir;
  ({ serve, caller } = await serveWithCaller(dataDir, REGION));
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe("CodePipeline's custom action types and job-worker operations at POST /, driven by @aws-sdk/client-codepipeline", () => {
  interface PolledJob {
    id: string;
    nonce: string;
    data: { continuationToken?: string; actionConfiguration: { configuration: Record<string, string> } };
  }

  /** The jobs each pipeline's Tool action gave, as PollForJobs handed them out. */
  const jobs: Record<'succeeds' | 'continued' | 'fails', PolledJob | undefined> = { succeeds: undefined, continued: undefined, fails: undefined };
  const job = (which: keyof typeof jobs) => jobs[which]!;
  const polled = (output: Record<string, unknown>) => output.jobs as PolledJob[];
  const customTypes = (output: Record<string, unknown>) => output.actionTypes as { id: { owner: string; provider: string } }[];
  const toolExecution = (output: Record<string, unknown>) =>
    (output.actionExecutionDetails as { actionName: string; status: string }[]).find(({ actionName }) => actionName === 'Tool');
  const pollFor = (target: string) => ({ actionTypeId: TOOL_ID, maxBatchSize: 5, queryParam: { Target: target } });

  /** Every job-worker operation, its answers checked against the model; adding a call is one entry. */
  const CASES: ConformanceCase[] = [
    {
      operation: 'CreateCustomActionType',
      input: () => ({ ...TOOL_TYPE, tags: [{ key: 'team', value: 'build' }] }),
      check: (output) => {
        expect(output.actionType).toEqual({
          id: TOOL_ID,
          settings: TOOL_TYPE.settings,
          actionConfigurationProperties: TOOL_TYPE.configurationProperties,
          inputArtifactDetails: TOOL_TYPE.inputArtifactDetails,
          outputArtifactDetails: TOOL_TYPE.outputArtifactDetails,
        });
        expect(output.tags).toEqual([{ key: 'team', value: 'build' }]);
      },
    },
    { operation: 'CreateCustomActionType', input: () => TOOL_TYPE, refusedWith: 'ValidationException' },
    {
      operation: 'CreateCustomActionType',
      input: () => ({
        ...TOOL,
        version: '2',
        inputArtifactDetails: { minimumCount: 2, maximumCount: 1 },
        outputArtifactDetails: { minimumCount: 0, maximumCount: 6 },
      }),
      refusedWith: 'ValidationException',
    },
    {
      operation: 'CreateCustomActionType',
      input: () => ({
        ...TOOL,
        version: '2',
        configurationProperties: [{ name: 'Target', required: false, key: true, secret: false, queryable: true }],
        inputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
        outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      }),
      refusedWith: 'ValidationException',
    },
    {
      operation: 'CreateCustomActionType',
      input: () => ({ ...SCRATCH, inputArtifactDetails: { minimumCount: 0, maximumCount: 5 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 5 } }),
    },
    {
      operation: 'ListActionTypes',
      input: () => ({}),
      check: (output) => {
        expect(customTypes(output).map(({ id }) => id.owner)).toEqual(expect.arrayContaining(['AWS', 'Custom']));
        expect(customTypes(output)).toContainEqual({
          id: TOOL_ID,
          settings: TOOL_TYPE.settings,
          actionConfigurationProperties: TOOL_TYPE.configurationProperties,
          inputArtifactDetails: TOOL_TYPE.inputArtifactDetails,
          outputArtifactDetails: TOOL_TYPE.outputArtifactDetails,
        });
      },
    },
    {
      operation: 'ListActionTypes',
      input: () => ({ actionOwnerFilter: 'Custom', regionFilter: REGION }),
      check: (output) => {
        expect(customTypes(output).every(({ id }) => id.owner === 'Custom')).toBe(true);
        expect(customTypes(output).map(({ id }) => id.provider)).toEqual(expect.arrayContaining(['ConformTool', 'Scratch']));
      },
    },
    {
      operation: 'ListActionTypes',
      input: () => ({ actionOwnerFilter: 'AWS' }),
      check: (output) => expect(customTypes(output).every(({ id }) => id.owner === 'AWS')).toBe(true),
    },
    { operation: 'ListActionTypes', input: () => ({ actionOwnerFilter: 'Somebody' }), refusedWith: 'ValidationException' },
    { operation: 'ListActionTypes', input: () => ({ nextToken: 'not-a-token' }), refusedWith: 'InvalidNextTokenException' },
    {
      operation: 'GetActionType',
      input: () => TOOL_ID,
      check: (output) =>
        expect(output.actionType).toEqual({
          executor: { type: 'JobWorker', configuration: { jobWorkerExecutorConfiguration: {} } },
          id: TOOL_ID,
          inputArtifactDetails: TOOL_TYPE.inputArtifactDetails,
          outputArtifactDetails: TOOL_TYPE.outputArtifactDetails,
          properties: [
            { name: 'Target', optional: false, key: true, noEcho: false, queryable: true, description: 'What the tool builds' },
            { name: 'Token', optional: true, key: false, noEcho: true },
          ],
          urls: {
            configurationUrl: TOOL_TYPE.settings.thirdPartyConfigurationUrl,
            entityUrlTemplate: TOOL_TYPE.settings.entityUrlTemplate,
            executionUrlTemplate: TOOL_TYPE.settings.executionUrlTemplate,
          },
        }),
    },
    { operation: 'GetActionType', input: () => ({ category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' }) },
    { operation: 'GetActionType', input: () => ({ ...TOOL_ID, version: '9' }), refusedWith: 'ActionTypeNotFoundException' },
    { operation: 'GetActionType', input: () => ({ ...TOOL_ID, category: 'Cooking' }), refusedWith: 'ValidationException' },
    { operation: 'DeleteCustomActionType', input: () => SCRATCH },
    { operation: 'DeleteCustomActionType', input: () => SCRATCH, refusedWith: 'ValidationException' },
    { operation: 'DeleteCustomActionType', input: () => ({ category: 'Cooking', provider: 'Scratch', version: '1' }), refusedWith: 'ValidationException' },
    {
      operation: 'ListActionTypes',
      input: () => ({ actionOwnerFilter: 'Custom' }),
      check: (output) => expect(customTypes(output).map(({ id }) => id.provider)).not.toContain('Scratch'),
    },
    { operation: 'GetActionType', input: () => SCRATCH_ID, refusedWith: 'ActionTypeNotFoundException' },
    {
      // As in CodePipeline, a deleted version is not created again.
      operation: 'CreateCustomActionType',
      input: () => ({ ...SCRATCH, inputArtifactDetails: { minimumCount: 0, maximumCount: 0 }, outputArtifactDetails: { minimumCount: 0, maximumCount: 0 } }),
      refusedWith: 'ValidationException',
    },
    { operation: 'PollForJobs', input: () => ({ actionTypeId: SCRATCH_ID }), refusedWith: 'ActionTypeNotFoundException' },
    { operation: 'PollForJobs', input: () => ({ actionTypeId: { ...TOOL_ID, provider: 'Unregistered' } }), refusedWith: 'ActionTypeNotFoundException' },
    { operation: 'PollForJobs', input: () => ({ actionTypeId: { ...TOOL_ID, owner: 'AWS' } }), refusedWith: 'ActionTypeNotFoundException' },
    { operation: 'PollForJobs', input: () => ({ ...pollFor('jobs-succeed'), maxBatchSize: 0 }), refusedWith: 'ValidationException' },
    { operation: 'PollForJobs', input: () => ({ actionTypeId: TOOL_ID }), refusedWith: 'ValidationException' },
    { operation: 'PollForJobs', input: () => ({ actionTypeId: TOOL_ID, queryParam: { Token: 'x' } }), refusedWith: 'ValidationException' },
    {
      operation: 'PollForJobs',
      input: () => pollFor('nobody-declares-this'),
      check: (output) => expect(polled(output)).toEqual([]),
    },
    {
      // Creating a pipeline starts its first execution, whose Tool action queues a job.
      operation: 'PollForJobs',
      before: () => Promise.all(['jobs-succeed', 'jobs-fail'].map((name) => caller.send('CreatePipeline', { pipeline: toolPipeline(name) }))),
      input: () => pollFor('jobs-succeed'),
      until: (output) => polled(output).length > 0,
      check: (output) => {
        expect(polled(output)).toHaveLength(1);
        expect(polled(output)[0]!.data.actionConfiguration.configuration).toEqual({ Target: 'jobs-succeed' });
        jobs.succeeds = polled(output)[0];
      },
    },
    {
      operation: 'GetJobDetails',
      input: () => ({ jobId: job('succeeds').id }),
      check: (output) => {
        expect(output.jobDetails).toMatchObject({ id: job('succeeds').id, data: job('succeeds').data });
        expect(output.jobDetails).not.toHaveProperty('nonce');
      },
    },
    { operation: 'GetJobDetails', input: () => ({ jobId: UNKNOWN_JOB }), refusedWith: 'JobNotFoundException' },
    { operation: 'PutJobSuccessResult', input: () => ({ jobId: job('succeeds').id }), refusedWith: 'InvalidJobStateException' },
    {
      operation: 'PutJobFailureResult',
      input: () => ({ jobId: job('succeeds').id, failureDetails: { type: 'JobFailed', message: 'not yet' } }),
      refusedWith: 'InvalidJobStateException',
    },
    { operation: 'AcknowledgeJob', input: () => ({ jobId: job('succeeds').id, nonce: 'not-the-nonce' }), refusedWith: 'InvalidNonceException' },
    { operation: 'AcknowledgeJob', input: () => ({ jobId: UNKNOWN_JOB, nonce: 'any' }), refusedWith: 'JobNotFoundException' },
    {
      operation: 'AcknowledgeJob',
      input: () => ({ jobId: job('succeeds').id, nonce: job('succeeds').nonce }),
      check: (output) => expect(output.status).toBe('InProgress'),
    },
    {
      operation: 'AcknowledgeJob',
      input: () => ({ jobId: job('succeeds').id, nonce: job('succeeds').nonce }),
      check: (output) => expect(output.status).toBe('InProgress'),
    },
    {
      operation: 'PutJobSuccessResult',
      input: () => ({ jobId: job('succeeds').id, continuationToken: 'step-2', outputVariables: { Image: 'img:v1' } }),
      refusedWith: 'ValidationException',
    },
    {
      operation: 'PutJobSuccessResult',
      input: () => ({ jobId: job('succeeds').id, currentRevision: { revision: 'abc', changeIdentifier: 'c1' } }),
      refusedWith: 'ValidationException',
    },
    {
      operation: 'PutJobSuccessResult',
      input: () => ({ jobId: job('succeeds').id, executionDetails: { percentComplete: 101 } }),
      refusedWith: 'ValidationException',
    },
    { operation: 'PutJobSuccessResult', input: () => ({ jobId: UNKNOWN_JOB }), refusedWith: 'JobNotFoundException' },
    {
      operation: 'PutJobSuccessResult',
      input: () => ({ jobId: job('succeeds').id, continuationToken: 'step-2', executionDetails: { summary: 'half done', percentComplete: 50 } }),
    },
    { operation: 'PutJobSuccessResult', input: () => ({ jobId: job('succeeds').id }), refusedWith: 'InvalidJobStateException' },
    {
      // The action goes on with a new job that carries the token.
      operation: 'PollForJobs',
      input: () => pollFor('jobs-succeed'),
      until: (output) => polled(output).length > 0,
      check: (output) => {
        expect(polled(output)[0]!.data.continuationToken).toBe('step-2');
        expect(polled(output)[0]!.id).not.toBe(job('succeeds').id);
        jobs.continued = polled(output)[0];
      },
    },
    { operation: 'AcknowledgeJob', input: () => ({ jobId: job('continued').id, nonce: job('continued').nonce }) },
    {
      operation: 'PutJobSuccessResult',
      input: () => ({
        jobId: job('continued').id,
        executionDetails: { summary: 'built', externalExecutionId: 'run-7', percentComplete: 100 },
        outputVariables: { Image: 'img:v1' },
      }),
    },
    {
      operation: 'GetJobDetails',
      input: () => ({ jobId: job('continued').id }),
      check: (output) => expect(output.jobDetails).toMatchObject({ id: job('continued').id, data: { continuationToken: 'step-2' } }),
    },
    {
      operation: 'PutJobFailureResult',
      input: () => ({ jobId: job('continued').id, failureDetails: { type: 'JobFailed', message: 'too late' } }),
      refusedWith: 'InvalidJobStateException',
    },
    {
      operation: 'PollForJobs',
      input: () => pollFor('jobs-fail'),
      until: (output) => polled(output).length > 0,
      check: (output) => (jobs.fails = polled(output)[0]),
    },
    { operation: 'AcknowledgeJob', input: () => ({ jobId: job('fails').id, nonce: job('fails').nonce }) },
    {
      operation: 'PutJobFailureResult',
      input: () => ({ jobId: job('fails').id, failureDetails: { type: 'Broken', message: 'the tool broke' } }),
      refusedWith: 'ValidationException',
    },
    {
      operation: 'PutJobFailureResult',
      input: () => ({ jobId: job('fails').id, failureDetails: { type: 'JobFailed', message: '' } }),
      refusedWith: 'ValidationException',
    },
    {
      operation: 'PutJobFailureResult',
      input: () => ({ jobId: UNKNOWN_JOB, failureDetails: { type: 'JobFailed', message: 'the tool broke' } }),
      refusedWith: 'JobNotFoundException',
    },
    {
      operation: 'PutJobFailureResult',
      input: () => ({ jobId: job('fails').id, failureDetails: { type: 'ConfigurationError', message: 'the tool broke', externalExecutionId: 'run-8' } }),
    },
    {
      operation: 'PutJobFailureResult',
      input: () => ({ jobId: job('fails').id, failureDetails: { type: 'JobFailed', message: 'again' } }),
      refusedWith: 'InvalidJobStateException',
    },
    { operation: 'PutJobSuccessResult', input: () => ({ jobId: job('fails').id }), refusedWith: 'InvalidJobStateException' },
    {
      operation: 'AcknowledgeJob',
      input: () => ({ jobId: job('fails').id, nonce: job('fails').nonce }),
      check: (output) => expect(output.status).toBe('Failed'),
    },
    {
      // The worker's last success ends the action with its output variables; its failure fails the action with its message.
      operation: 'ListActionExecutions',
      input: () => ({ pipelineName: 'jobs-succeed' }),
      until: (output) => toolExecution(output)?.status === 'Succeeded',
      check: (output) =>
        expect(toolExecution(output)).toMatchObject({
          output: { outputVariables: { Image: 'img:v1' }, executionResult: { externalExecutionId: 'run-7', externalExecutionSummary: 'built' } },
        }),
    },
    {
      operation: 'ListActionExecutions',
      input: () => ({ pipelineName: 'jobs-fail' }),
      until: (output) => toolExecution(output)?.status === 'Failed',
      check: (output) => expect(toolExecution(output)).toMatchObject({ output: { executionResult: { errorDetails: { message: 'the tool broke' } } } }),
    },
  ];

  it('has cases for every job-worker operation, and for the action types they register', () => {
    expect(operationsWithoutCases([...Object.keys(JOB_OPERATIONS), 'ListActionTypes', 'GetActionType'], CASES)).toEqual([]);
  });

  it.each(conformanceRows(CASES))('%i. %s -> %s', (_, __, ___, entry) => conformanceCall(caller, entry, () => serve.output()));
});
