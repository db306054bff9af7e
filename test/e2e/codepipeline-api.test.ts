import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { ACTION_EXECUTION_OPERATIONS } from '../../lib/api/codepipeline/action-execution-operations';
import { PIPELINE_OPERATIONS } from '../../lib/api/codepipeline/pipeline-operations';
import { RUN_OPERATIONS } from '../../lib/api/codepipeline/run-operations';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { killStartedSluice, type RunningCli } from '../support/cli';
import { refusal, type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { codePipelineModel, shapeProblems } from '../support/codepipeline-model';
import { conformanceCall, conformanceRows, operationsWithoutCases, type ConformanceCase } from '../support/conformance-cases';
import { commandsOnSource, gitSourceStage, reviewStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(120_000);

const ROLE_ARN = 'arn:aws:iam::123456789012:role/PipelineRole';
const REGION = 'eu-west-1';

let serve: RunningCli;
let credentials: { accessKeyId: string; secretAccessKey: string };
let caller: CodePipelineCaller;
let declaration: PipelineDeclaration;
/** A second pipeline on the same repository, so that ListWebhooks has a second page. */
let secondDeclaration: PipelineDeclaration;

const send = (operation: string, input: object, through = caller.client) => caller.send(operation, input, through);

/** The token of the Review approval once it waits, in execution `executionId` when one is named. */
async function waitingApprovalToken(name: string, executionId?: string): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const review = (await caller.client.send(new GetPipelineStateCommand({ name }))).stageStates?.[1];
    const approval = review?.actionStates?.[0]?.latestExecution;
    const ofThatExecution = !executionId || review?.latestExecution?.pipelineExecutionId === executionId;
    if (ofThatExecution && approval?.status === 'InProgress' && approval.token) return approval.token;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`No approval came to wait. sluice serve printed:\n${serve.output()}`);
}

/** The execution's status once it has ended, polled for 60 s. */
async function endedStatus(pipelineName: string, pipelineExecutionId: string): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const { status } = (await send('GetPipelineExecution', { pipelineName, pipelineExecutionId })).pipelineExecution as { status: string };
    if (status !== 'InProgress' && status !== 'Stopping') return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Execution ${pipelineExecutionId} did not end. sluice serve printed:\n${serve.output()}`);
}

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-codepipeline-api-'));
  const repo = gitRepository({ 'app.txt': 'v1' }, 'feat: first');
  declaration = {
    name: 'conformance',
    roleArn: ROLE_ARN,
    stages: [gitSourceStage(repo.dir), reviewStage('Review'), { name: 'Ship', actions: [commandsOnSource('Echo', ['echo shipped'])] }],
  };
  secondDeclaration = { ...declaration, name: 'conformance-second', stages: [declaration.stages[0]!, declaration.stages[2]!] };
  ({ serve, credentials, caller } = await serveWithCaller(dataDir, REGION));
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe('the model check', () => {
  const model = () => codePipelineModel();

  it('finds a missing required member, a member the model lacks, a value of the wrong type and a string outside its enum', () => {
    expect(shapeProblems(model(), 'StageExecution', { status: 'Succeeded' })).toEqual(['$.pipelineExecutionId: required by StageExecution, missing']);
    expect(shapeProblems(model(), 'StageExecution', { pipelineExecutionId: 'e', status: 'Succeeded', extra: 1 })).toEqual([
      '$.extra: StageExecution has no member extra',
    ]);
    expect(shapeProblems(model(), 'PipelineSummary', { version: '1' })).toEqual(['$.version: "1" is not a whole number (PipelineVersion)']);
    expect(shapeProblems(model(), 'StageExecution', { pipelineExecutionId: 'e', status: 'Done' })[0]).toContain('is not one of');
    expect(shapeProblems(model(), 'PipelineSummary', { created: '2026-12-06T00:00:00Z' })[0]).toContain('is not a timestamp');
  });

  it('accepts what conforms, timestamps as Dates or epoch seconds', () => {
    expect(shapeProblems(model(), 'PipelineSummary', { name: 'p', version: 1, created: new Date(), updated: 1796531879.8 })).toEqual([]);
  });
});

describe("CodePipeline's protocol at POST /, driven by @aws-sdk/client-codepipeline", () => {
  it('routes every operation of the model: each answers as itself, never as an unknown operation', async () => {
    const operations = Object.keys(codePipelineModel().operations);
    expect(operations).toHaveLength(44);
    for (const operation of operations) {
      const answer = await caller.signedPost(`CodePipeline_20150709.${operation}`, '{}');
      const body = (await answer.json()) as { __type?: string; message?: string };
      expect({ operation, type: body.__type }).not.toEqual({ operation, type: 'UnknownOperationException' });
      if (body.__type === 'UnsupportedOperationException') expect(body.message).toBe(`Sluice does not implement ${operation} yet.`);
    }
  });

  it('answers protocol errors as AWS JSON services do', async () => {
    const unknown = await caller.signedPost('CodePipeline_20150709.LaunchRockets', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(unknown.headers.get('x-amzn-requestid')).toEqual(expect.any(String));
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringContaining('LaunchRockets') });

    const unparsable = await caller.signedPost('CodePipeline_20150709.ListPipelines', '{"maxResults":');
    expect(unparsable.status).toBe(400);
    expect(await unparsable.json()).toMatchObject({ __type: 'SerializationException' });

    const unsigned = await fetch(caller.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'CodePipeline_20150709.ListPipelines' },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('refuses a wrong secret and an unknown key with 403, and tells neither anything of the pipelines', async () => {
    const wrongSecret = await refusal(send('ListPipelines', {}, caller.clientWith({ ...credentials, secretAccessKey: 'x'.repeat(40) })));
    const unknownKey = await refusal(
      send('ListPipelines', {}, caller.clientWith({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: credentials.secretAccessKey })),
    );

    expect(wrongSecret).toMatchObject({ code: 'InvalidSignatureException', status: 403 });
    expect(unknownKey).toMatchObject({ code: 'UnrecognizedClientException', status: 403 });
  });

  /** What earlier calls gave, kept for the later calls that need it. */
  const kept = {
    executionId: '',
    token: '',
    startedId: '',
    rollbackId: '',
    pipelineArn: '',
    tagsNextToken: '',
    webhooksNextToken: '',
    firstWebhookPipeline: '',
  };
  const name = () => declaration.name;
  /** The ARN that the pipeline called `pipeline` has, or would have, here. */
  const arnOf = (pipeline: string) => `${kept.pipelineArn.slice(0, -name().length)}${pipeline}`;
  const tagsOf = (output: Record<string, unknown>) => output.tags as { key: string; value: string }[];
  const webhooksOf = (output: Record<string, unknown>) => output.webhooks as { definition: { targetPipeline: string } }[];
  const webhook = (targetPipeline: string) => ({
    name: `${targetPipeline}-push`,
    targetPipeline,
    targetAction: 'Checkout',
    filters: [{ jsonPath: '$.ref', matchEquals: 'refs/heads/{BranchName}' }],
    authentication: 'GITHUB_HMAC',
    authenticationConfiguration: { SecretToken: 'not-a-real-secret' },
  });
  /** A transition of the second pipeline, with what else the request gives. */
  const retry = (stageName: string, pipelineExecutionId: string, retryMode = 'FAILED_ACTIONS') => ({
    pipelineName: name(),
    stageName,
    pipelineExecutionId,
    retryMode,
  });
  const rollback = (stageName: string, targetPipelineExecutionId: string) => ({ pipelineName: name(), stageName, targetPipelineExecutionId });
  const transition = (stageName: string, transitionType: string, extra: object = {}) => ({
    pipelineName: secondDeclaration.name,
    stageName,
    transitionType,
    ...extra,
  });
  const stageStatesOf = (output: Record<string, unknown>) => output.stageStates as { inboundTransitionState: unknown }[];
  const invalid = (change: (pipeline: PipelineDeclaration) => object) => ({ pipeline: change(structuredClone(declaration)) });

  /** Every implemented operation, its answers checked against the model; adding an operation is one entry. */
  const CASES: ConformanceCase[] = [
    { operation: 'CreatePipeline', input: () => ({ pipeline: declaration }) },
    { operation: 'CreatePipeline', input: () => ({ pipeline: declaration }), refusedWith: 'PipelineNameInUseException' },
    {
      operation: 'GetPipeline',
      input: () => ({ name: name() }),
      check: (output) => (kept.pipelineArn = (output.metadata as { pipelineArn: string }).pipelineArn),
    },
    { operation: 'GetPipeline', input: () => ({ name: name(), version: 1 }) },
    { operation: 'GetPipeline', input: () => ({ name: name(), version: 9 }), refusedWith: 'PipelineVersionNotFoundException' },
    { operation: 'GetPipeline', input: () => ({ name: 'missing' }), refusedWith: 'PipelineNotFoundException' },
    { operation: 'ListPipelines', input: () => ({}) },
    { operation: 'ListPipelines', input: () => ({ maxResults: 1 }) },
    { operation: 'ListPipelines', input: () => ({ nextToken: 'not-a-token' }), refusedWith: 'InvalidNextTokenException' },
    { operation: 'GetPipelineState', input: () => ({ name: name() }) },
    { operation: 'GetPipelineState', input: () => ({ name: 'missing' }), refusedWith: 'PipelineNotFoundException' },
    { operation: 'ListPipelineExecutions', input: () => ({ pipelineName: name() }) },
    { operation: 'ListPipelineExecutions', input: () => ({ pipelineName: name(), maxResults: 1, filter: { succeededInStage: { stageName: 'Source' } } }) },
    { operation: 'ListPipelineExecutions', input: () => ({ pipelineName: name(), nextToken: 'bm9wZQ' }), refusedWith: 'InvalidNextTokenException' },
    { operation: 'ListPipelineExecutions', input: () => ({ pipelineName: 'missing' }), refusedWith: 'PipelineNotFoundException' },
    {
      operation: 'GetPipelineExecution',
      before: async () => {
        const { pipelineExecutionSummaries } = await send('ListPipelineExecutions', { pipelineName: name() });
        kept.executionId = (pipelineExecutionSummaries as { pipelineExecutionId: string }[])[0]!.pipelineExecutionId;
      },
      input: () => ({ pipelineName: name(), pipelineExecutionId: kept.executionId }),
    },
    {
      operation: 'GetPipelineExecution',
      input: () => ({ pipelineName: name(), pipelineExecutionId: '00000000-0000-0000-0000-000000000000' }),
      refusedWith: 'PipelineExecutionNotFoundException',
    },
    { operation: 'ListActionExecutions', input: () => ({ pipelineName: name() }) },
    { operation: 'ListActionExecutions', input: () => ({ pipelineName: name(), filter: { pipelineExecutionId: kept.executionId }, maxResults: 1 }) },
    {
      operation: 'ListActionExecutions',
      input: () => ({ pipelineName: name(), filter: { latestInPipelineExecution: { pipelineExecutionId: kept.executionId, startTimeRange: 'Latest' } } }),
    },
    { operation: 'ListActionExecutions', input: () => ({ pipelineName: name(), maxResults: 101 }), refusedWith: 'ValidationException' },
    { operation: 'ListActionExecutions', input: () => ({ pipelineName: name(), nextToken: 'bm9wZQ' }), refusedWith: 'InvalidNextTokenException' },
    { operation: 'ListActionExecutions', input: () => ({ pipelineName: 'missing' }), refusedWith: 'PipelineNotFoundException' },
    {
      operation: 'ListActionExecutions',
      input: () => ({ pipelineName: name(), filter: { pipelineExecutionId: '00000000-0000-0000-0000-000000000000' } }),
      refusedWith: 'PipelineExecutionNotFoundException',
    },
    {
      operation: 'PutApprovalResult',
      before: async () => (kept.token = await waitingApprovalToken(name())),
      input: () => ({ pipelineName: name(), stageName: 'Review', actionName: 'Review', token: 'not-the-token', result: { status: 'Approved', summary: '' } }),
      refusedWith: 'InvalidApprovalTokenException',
    },
    {
      operation: 'PutApprovalResult',
      input: () => ({ pipelineName: name(), stageName: 'Review', actionName: 'Review', token: kept.token, result: { status: 'Maybe', summary: 'hm' } }),
      refusedWith: 'ValidationException',
    },
    {
      operation: 'PutApprovalResult',
      input: () => ({ pipelineName: name(), stageName: 'Review', actionName: 'Review', token: kept.token, result: { status: 'Approved', summary: 'ship it' } }),
    },
    {
      operation: 'PutApprovalResult',
      input: () => ({
        pipelineName: name(),
        stageName: 'Review',
        actionName: 'Review',
        token: kept.token,
        result: { status: 'Rejected', summary: 'too late' },
      }),
      refusedWith: 'ApprovalAlreadyCompletedException',
    },
    { operation: 'StartPipelineExecution', input: () => ({ name: name() }), check: (output) => (kept.startedId = output.pipelineExecutionId as string) },
    { operation: 'StartPipelineExecution', input: () => ({ name: 'missing' }), refusedWith: 'PipelineNotFoundException' },
    {
      // Stop and wait: the execution is Stopping while its approval, in progress, is left to finish.
      operation: 'StopPipelineExecution',
      before: () => waitingApprovalToken(name(), kept.startedId),
      input: () => ({ pipelineName: name(), pipelineExecutionId: kept.startedId, abandon: false }),
    },
    {
      operation: 'StopPipelineExecution',
      input: () => ({ pipelineName: name(), pipelineExecutionId: kept.startedId }),
      refusedWith: 'DuplicatedStopRequestException',
    },
    { operation: 'StopPipelineExecution', input: () => ({ pipelineName: name(), pipelineExecutionId: kept.startedId, abandon: true, reason: 'enough' }) },
    {
      operation: 'StopPipelineExecution',
      input: () => ({ pipelineName: name(), pipelineExecutionId: kept.startedId, abandon: true }),
      refusedWith: 'PipelineExecutionNotStoppableException',
    },
    {
      operation: 'StopPipelineExecution',
      input: () => ({ pipelineName: name(), pipelineExecutionId: '00000000-0000-0000-0000-000000000000', abandon: true }),
      refusedWith: 'PipelineExecutionNotStoppableException',
    },
    {
      operation: 'StopPipelineExecution',
      input: () => ({ pipelineName: 'missing', pipelineExecutionId: kept.startedId, abandon: true }),
      refusedWith: 'PipelineNotFoundException',
    },
    // The execution stopped above: a retry runs a stage of a Failed execution only.
    { operation: 'RetryStageExecution', input: () => retry('Review', kept.startedId), refusedWith: 'StageNotRetryableException' },
    { operation: 'RetryStageExecution', input: () => retry('Review', kept.startedId, 'SOME_ACTIONS'), refusedWith: 'ValidationException' },
    { operation: 'RetryStageExecution', input: () => retry('Nowhere', kept.startedId), refusedWith: 'StageNotFoundException' },
    {
      operation: 'RetryStageExecution',
      input: () => ({ ...retry('Review', kept.startedId), pipelineName: 'missing' }),
      refusedWith: 'PipelineNotFoundException',
    },
    {
      operation: 'RetryStageExecution',
      input: () => retry('Review', '00000000-0000-0000-0000-000000000000'),
      refusedWith: 'StageNotRetryableException',
    },
    {
      // The first execution, approved above, has gone on through Ship.
      operation: 'RollbackStage',
      before: async () => expect(await endedStatus(name(), kept.executionId)).toBe('Succeeded'),
      input: () => rollback('Ship', kept.executionId),
      check: (output) => (kept.rollbackId = output.pipelineExecutionId as string),
    },
    {
      operation: 'GetPipelineExecution',
      before: async () => expect(await endedStatus(name(), kept.rollbackId)).toBe('Succeeded'),
      input: () => ({ pipelineName: name(), pipelineExecutionId: kept.rollbackId }),
      check: (output) =>
        expect(output.pipelineExecution).toMatchObject({
          executionType: 'ROLLBACK',
          rollbackMetadata: { rollbackTargetPipelineExecutionId: kept.executionId },
          trigger: { triggerType: 'ManualRollback' },
        }),
    },
    {
      operation: 'ListPipelineExecutions',
      input: () => ({ pipelineName: name(), maxResults: 1 }),
      check: (output) =>
        expect(output.pipelineExecutionSummaries).toEqual([
          expect.objectContaining({
            pipelineExecutionId: kept.rollbackId,
            executionType: 'ROLLBACK',
            rollbackMetadata: { rollbackTargetPipelineExecutionId: kept.executionId },
          }),
        ]),
    },
    { operation: 'RollbackStage', input: () => rollback('Source', kept.executionId), refusedWith: 'UnableToRollbackStageException' },
    { operation: 'RollbackStage', input: () => rollback('Nowhere', kept.executionId), refusedWith: 'StageNotFoundException' },
    { operation: 'RollbackStage', input: () => ({ ...rollback('Ship', kept.executionId), pipelineName: 'missing' }), refusedWith: 'PipelineNotFoundException' },
    {
      operation: 'RollbackStage',
      input: () => rollback('Ship', '00000000-0000-0000-0000-000000000000'),
      refusedWith: 'PipelineExecutionNotFoundException',
    },
    // Stopped in Review, it never succeeded in Ship; a rollback is no target.
    { operation: 'RollbackStage', input: () => rollback('Ship', kept.startedId), refusedWith: 'UnableToRollbackStageException' },
    { operation: 'RollbackStage', input: () => rollback('Ship', kept.rollbackId), refusedWith: 'UnableToRollbackStageException' },
    { operation: 'RollbackStage', input: () => ({ pipelineName: name(), stageName: 'Ship' }), refusedWith: 'ValidationException' },
    { operation: 'UpdatePipeline', input: () => ({ pipeline: { ...declaration, executionMode: 'QUEUED' } }), refusedWith: 'InvalidStructureException' },
    { operation: 'UpdatePipeline', input: () => ({ pipeline: { ...declaration, pipelineType: 'V2', executionMode: 'QUEUED' } }) },
    {
      operation: 'UpdatePipeline',
      input: () => invalid((pipeline) => ({ ...pipeline, stages: pipeline.stages.slice(0, 1) })),
      refusedWith: 'InvalidStructureException',
    },
    {
      operation: 'UpdatePipeline',
      input: () => invalid((pipeline) => ({ ...pipeline, stages: [...pipeline.stages, { ...pipeline.stages[2]! }] })),
      refusedWith: 'InvalidStageDeclarationException',
    },
    {
      operation: 'UpdatePipeline',
      input: () =>
        invalid((pipeline) => ({
          ...pipeline,
          stages: pipeline.stages.map((stage, index) => (index === 2 ? { ...stage, actions: [{ ...stage.actions[0]!, runOrder: 0 }] } : stage)),
        })),
      refusedWith: 'InvalidActionDeclarationException',
    },
    { operation: 'UpdatePipeline', input: () => ({}), refusedWith: 'ValidationException' },
    {
      operation: 'TagResource',
      input: () => ({
        resourceArn: kept.pipelineArn,
        tags: [
          { key: 'team', value: 'delivery' },
          { key: 'tier', value: '1' },
        ],
      }),
    },
    {
      operation: 'ListTagsForResource',
      input: () => ({ resourceArn: kept.pipelineArn }),
      check: (output) =>
        expect(tagsOf(output)).toEqual([
          { key: 'team', value: 'delivery' },
          { key: 'tier', value: '1' },
        ]),
    },
    {
      operation: 'ListTagsForResource',
      input: () => ({ resourceArn: kept.pipelineArn, maxResults: 1 }),
      check: (output) => {
        expect(output).toMatchObject({ tags: [{ key: 'team', value: 'delivery' }], nextToken: expect.any(String) });
        kept.tagsNextToken = output.nextToken as string;
      },
    },
    {
      operation: 'ListTagsForResource',
      input: () => ({ resourceArn: kept.pipelineArn, maxResults: 1, nextToken: kept.tagsNextToken }),
      check: (output) => {
        expect(tagsOf(output)).toEqual([{ key: 'tier', value: '1' }]);
        expect(output.nextToken).toBeUndefined();
      },
    },
    { operation: 'ListTagsForResource', input: () => ({ resourceArn: kept.pipelineArn, nextToken: 'bm9wZQ' }), refusedWith: 'InvalidNextTokenException' },
    { operation: 'ListTagsForResource', input: () => ({ resourceArn: kept.pipelineArn, maxResults: 0 }), refusedWith: 'ValidationException' },
    { operation: 'ListTagsForResource', input: () => ({ resourceArn: arnOf('missing') }), refusedWith: 'ResourceNotFoundException' },
    { operation: 'ListTagsForResource', input: () => ({ resourceArn: 'not-an-arn' }), refusedWith: 'InvalidArnException' },
    { operation: 'ListTagsForResource', input: () => ({}), refusedWith: 'ValidationException' },
    {
      operation: 'TagResource',
      input: () => ({ resourceArn: kept.pipelineArn, tags: [{ key: 'aws:owner', value: 'me' }] }),
      refusedWith: 'InvalidTagsException',
    },
    { operation: 'TagResource', input: () => ({ resourceArn: kept.pipelineArn, tags: [{ key: 'owner' }] }), refusedWith: 'InvalidTagsException' },
    { operation: 'TagResource', input: () => ({ resourceArn: kept.pipelineArn }), refusedWith: 'ValidationException' },
    {
      // 49 more than the 2 it has is over the 50 a pipeline may have.
      operation: 'TagResource',
      input: () => ({ resourceArn: kept.pipelineArn, tags: Array.from({ length: 49 }, (_, index) => ({ key: `extra-${index}`, value: '' })) }),
      refusedWith: 'TooManyTagsException',
    },
    {
      operation: 'TagResource',
      input: () => ({ resourceArn: arnOf('missing'), tags: [{ key: 'team', value: 'x' }] }),
      refusedWith: 'ResourceNotFoundException',
    },
    { operation: 'TagResource', input: () => ({ resourceArn: 'not-an-arn', tags: [{ key: 'team', value: 'x' }] }), refusedWith: 'InvalidArnException' },
    { operation: 'UntagResource', input: () => ({ resourceArn: kept.pipelineArn, tagKeys: ['tier', 'never-set'] }) },
    { operation: 'UntagResource', input: () => ({ resourceArn: kept.pipelineArn, tagKeys: ['aws:owner'] }), refusedWith: 'InvalidTagsException' },
    { operation: 'UntagResource', input: () => ({ resourceArn: kept.pipelineArn }), refusedWith: 'ValidationException' },
    {
      operation: 'ListTagsForResource',
      input: () => ({ resourceArn: kept.pipelineArn }),
      check: (output) => expect(tagsOf(output)).toEqual([{ key: 'team', value: 'delivery' }]),
    },
    { operation: 'UntagResource', input: () => ({ resourceArn: arnOf('missing'), tagKeys: ['team'] }), refusedWith: 'ResourceNotFoundException' },
    { operation: 'UntagResource', input: () => ({ resourceArn: 'not-an-arn', tagKeys: ['team'] }), refusedWith: 'InvalidArnException' },
    {
      operation: 'ListWebhooks',
      input: () => ({}),
      check: (output) =>
        expect(output.webhooks).toEqual([
          {
            url: expect.stringMatching(/\/webhooks\/github$/),
            // The secret GitHub signs with is never shown.
            definition: { ...webhook(name()), name: `${name()}--Checkout`, authenticationConfiguration: {} },
          },
        ]),
    },
    { operation: 'CreatePipeline', input: () => ({ pipeline: secondDeclaration }) },
    { operation: 'DisableStageTransition', input: () => transition('Ship', 'Inbound', { reason: 'Holding the release' }) },
    {
      operation: 'GetPipelineState',
      input: () => ({ name: secondDeclaration.name }),
      check: (output) =>
        expect(stageStatesOf(output)[1]!.inboundTransitionState).toEqual({
          enabled: false,
          disabledReason: 'Holding the release',
          lastChangedBy: expect.any(String),
          lastChangedAt: expect.any(Date),
        }),
    },
    { operation: 'DisableStageTransition', input: () => transition('Deploy', 'Inbound', { reason: 'x' }), refusedWith: 'StageNotFoundException' },
    {
      operation: 'DisableStageTransition',
      input: () => ({ ...transition('Ship', 'Inbound', { reason: 'x' }), pipelineName: 'missing' }),
      refusedWith: 'PipelineNotFoundException',
    },
    { operation: 'DisableStageTransition', input: () => transition('Ship', 'Inbound'), refusedWith: 'ValidationException' },
    { operation: 'DisableStageTransition', input: () => transition('Ship', 'Inbound', { reason: 'a comma, refused' }), refusedWith: 'ValidationException' },
    { operation: 'DisableStageTransition', input: () => transition('Ship', 'Sideways', { reason: 'x' }), refusedWith: 'ValidationException' },
    { operation: 'EnableStageTransition', input: () => transition('Ship', 'Inbound') },
    {
      operation: 'GetPipelineState',
      input: () => ({ name: secondDeclaration.name }),
      check: (output) => expect(stageStatesOf(output)[1]!.inboundTransitionState).toEqual({ enabled: true }),
    },
    { operation: 'EnableStageTransition', input: () => transition('Deploy', 'Outbound'), refusedWith: 'StageNotFoundException' },
    {
      operation: 'EnableStageTransition',
      input: () => ({ ...transition('Ship', 'Inbound'), pipelineName: 'missing' }),
      refusedWith: 'PipelineNotFoundException',
    },
    { operation: 'EnableStageTransition', input: () => transition('Ship', 'Both'), refusedWith: 'ValidationException' },
    {
      operation: 'ListWebhooks',
      input: () => ({ MaxResults: 1 }),
      check: (output) => {
        expect(output).toMatchObject({ webhooks: [expect.anything()], NextToken: expect.any(String) });
        kept.webhooksNextToken = output.NextToken as string;
        kept.firstWebhookPipeline = webhooksOf(output)[0]!.definition.targetPipeline;
      },
    },
    {
      operation: 'ListWebhooks',
      input: () => ({ MaxResults: 1, NextToken: kept.webhooksNextToken }),
      check: (output) => {
        expect(output.NextToken).toBeUndefined();
        expect([kept.firstWebhookPipeline, webhooksOf(output)[0]!.definition.targetPipeline].sort()).toEqual([name(), secondDeclaration.name].sort());
      },
    },
    { operation: 'ListWebhooks', input: () => ({ NextToken: 'bm9wZQ' }), refusedWith: 'InvalidNextTokenException' },
    { operation: 'ListWebhooks', input: () => ({ MaxResults: 101 }), refusedWith: 'ValidationException' },
    // Sluice has one GitHub webhook for every pipeline; it registers no others.
    { operation: 'PutWebhook', input: () => ({ webhook: webhook(name()) }), refusedWith: 'ValidationException' },
    { operation: 'DeletePipeline', input: () => ({ name: name() }) },
    { operation: 'GetPipeline', input: () => ({ name: name() }), refusedWith: 'PipelineNotFoundException' },
  ];

  it('has cases for every operation of pipelines, runs, tags, webhooks and action executions', () => {
    // Action types are listed with registered custom types, so codepipeline-api-jobs.test.ts drives them.
    const implemented = Object.keys({ ...PIPELINE_OPERATIONS, ...RUN_OPERATIONS, ...ACTION_EXECUTION_OPERATIONS });
    const here = implemented.filter((operation) => operation !== 'ListActionTypes' && operation !== 'GetActionType');
    expect(operationsWithoutCases(here, CASES)).toEqual([]);
  });

  it.each(conformanceRows(CASES))('%i. %s -> %s', (_, __, ___, entry) => conformanceCall(caller, entry, () => serve.output()));
});
