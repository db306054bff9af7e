import { LocalStateMachine, type TaskHandler, type TaskHandlers } from '../../../lib/adapters/local/local-state-machine';
import { resumeDefinition } from '../../../lib/core/compile';
import type { PipelineDeclaration } from '../../../lib/core/declaration';
import type { ActionStepPayload } from '../../../lib/core/task-payloads';
import { resumeInput } from '../../../lib/execution/approval-resume';
import type { ActionExecutionRecord, PipelineExecutionRecord } from '../../../lib/ports/execution-store';
import { runnerCommandsCatalog } from '../../support/runner-commands';
import { commandsOnSource, gitSourceStage } from '../../support/declarations';

const declaration: PipelineDeclaration = {
  name: 'gated',
  variables: [{ name: 'target', defaultValue: 'staging' }],
  stages: [
    gitSourceStage('.', { namespace: 'SourceVariables' }),
    { name: 'Gate', actions: [{ name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
    { name: 'Build', actions: [commandsOnSource('Compile', ['echo #{SourceVariables.CommitId} #{variables.target}'])] },
  ],
};

const execution: PipelineExecutionRecord = {
  pipelineName: 'gated',
  pipelineVersion: 3,
  pipelineExecutionId: 'exec-1',
  status: 'InProgress',
  startTime: '2026-01-01T00:00:00.000Z',
  lastUpdateTime: '2026-01-01T00:00:01.000Z',
  trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'sluice serve' },
  variables: { target: 'production' },
  sourceRevisions: [{ actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: 'abc123' }],
};

const srcLocation = { bucketName: 'sluice-artifacts', objectKey: 'gated/Src/one.zip' };
const actionRecord = (stageName: string, actionName: string, rest: Partial<ActionExecutionRecord>): ActionExecutionRecord => ({
  pipelineExecutionId: 'exec-1',
  stageName,
  actionName,
  actionExecutionId: `${actionName}-1`,
  status: 'Succeeded',
  startTime: '2026-01-01T00:00:00.000Z',
  lastUpdateTime: '2026-01-01T00:00:01.000Z',
  input: {
    actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Git', version: '1' },
    configuration: {},
    resolvedConfiguration: {},
    inputArtifacts: [],
  },
  ...rest,
});
const records: ActionExecutionRecord[] = [
  actionRecord('Source', 'Checkout', {
    output: { outputArtifacts: [{ name: 'Src', s3location: srcLocation }], outputVariables: { CommitId: 'abc123', BranchName: 'main' } },
  }),
  actionRecord('Gate', 'Review', {
    status: 'InProgress',
    input: {
      actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
      configuration: {},
      resolvedConfiguration: {},
      inputArtifacts: [],
    },
    approval: { token: 'tok', approvalId: 'appr' },
  }),
];

describe('resumeInput', () => {
  it('rebuilds the pipeline ref and the result slot of every earlier action from the records', () => {
    const { slots } = resumeDefinition(declaration, runnerCommandsCatalog, 'Gate', 'Review')!;
    expect(resumeInput(execution, records, slots)).toEqual({
      pipeline: {
        name: 'gated',
        version: 3,
        executionId: 'exec-1',
        variables: { target: 'production' },
        sourceRevisions: [{ actionName: 'Checkout', revisionType: 'COMMIT_ID', revisionValue: 'abc123' }],
      },
      actions: { a0: { artifacts: [srcLocation], variables: { CommitId: 'abc123', BranchName: 'main' } } },
    });
  });

  it('leaves sourceRevisions out when the execution pinned none', () => {
    const { slots } = resumeDefinition(declaration, runnerCommandsCatalog, 'Gate', 'Review')!;
    const { sourceRevisions: _, ...unpinned } = execution;
    expect(resumeInput(unpinned, records, slots)!.pipeline).not.toHaveProperty('sourceRevisions');
  });

  it('gives nothing when an action that should have written a slot did not succeed', () => {
    const { slots } = resumeDefinition(declaration, runnerCommandsCatalog, 'Gate', 'Review')!;
    expect(resumeInput(execution, records.slice(1), slots)).toBeUndefined();
    expect(resumeInput(execution, [{ ...records[0]!, status: 'Failed' }, records[1]!], slots)).toBeUndefined();
  });

  it('feeds the actions after the group on the engine: the approval, then the stage exit, then Build with the artifact and the variables', async () => {
    const resume = resumeDefinition(declaration, runnerCommandsCatalog, 'Gate', 'Review')!;
    const calls: string[] = [];
    let compilePayload: ActionStepPayload | undefined;
    const step =
      (name: string, answer: (parameters: Record<string, unknown>) => unknown = () => ({})): TaskHandler =>
      async (parameters, binding) => {
        calls.push(`${name} ${binding.stage}${binding.action ? `/${binding.action}` : ''}`);
        return { Payload: answer(parameters) };
      };
    const handlers: TaskHandlers = {
      enterStage: step('enterStage'),
      exitStage: step('exitStage'),
      failStage: step('failStage'),
      checkBeforeEntry: step('checkBeforeEntry'),
      checkOnSuccess: step('checkOnSuccess'),
      checkOnFailure: step('checkOnFailure'),
      requestApproval: step('requestApproval'),
      queueJob: step('queueJob'),
      runAction: step('runAction', (parameters) => {
        compilePayload = parameters.Payload as ActionStepPayload;
        return { artifacts: [], variables: {} };
      }),
      prepareBuild: step('prepareBuild'),
      startBuild: step('startBuild'),
      completeBuild: step('completeBuild'),
      failBuild: step('failBuild'),
    };
    const run = new LocalStateMachine(resume.compiled).start(resumeInput(execution, records, resume.slots)!, handlers);
    expect(await run.outcome).toEqual({ status: 'Succeeded' });
    expect(calls).toEqual(['requestApproval Gate/Review', 'exitStage Gate', 'enterStage Build', 'runAction Build/Compile', 'exitStage Build']);
    expect(compilePayload!.inputArtifacts).toEqual([{ name: 'Src', location: srcLocation }]);
    expect(compilePayload!.namespaces).toEqual({ SourceVariables: { CommitId: 'abc123', BranchName: 'main' } });
    expect(compilePayload!.pipeline.variables).toEqual({ target: 'production' });
  });
});
