import { enterStage } from '../support/step-engine';
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbApprovalStore } from '../../lib/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuditLog } from '../../lib/adapters/aws/dynamodb-audit-log';
import { LocalTaskCallbacks } from '../../lib/adapters/local/local-task-callbacks';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { planApprovalResume } from '../../lib/execution/approval-resume';
import { requestApproval, type ApprovalDependencies } from '../../lib/execution/approvals';
import { startExecution } from '../../lib/execution/start-execution';
import { stackPerSuite } from '../support/embedded-stack';
import { testExecutionDependencies } from '../support/execution-deps';
import { gitCheckoutAction } from '../support/declarations';
import { approvalRequestPayload } from '../support/task-payloads';

const checkout = gitCheckoutAction('.', { namespace: 'SourceVariables' });
const review: ActionDeclaration = {
  name: 'Review',
  actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
  timeoutInMinutes: 60,
};
const second: ActionDeclaration = { ...review, name: 'Second' };
const scan: ActionDeclaration = {
  name: 'Scan',
  actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
  commands: ['true'],
  inputArtifacts: [{ name: 'Src' }],
};
const build: ActionDeclaration = { ...scan, name: 'Compile' };
const srcLocation = { bucketName: 'sluice-artifacts', objectKey: 'p/Src/1.zip' };

describe('which executions a restarted sluice serve resumes', () => {
  const suite = stackPerSuite();
  let deps: ApprovalDependencies;
  let now = Date.parse('2026-01-01T00:00:00.000Z');
  let pipelines = 0;

  beforeAll(async () => {
    const { deps: base } = await testExecutionDependencies(suite.test, { providers: [], workspaceRoot: suite.scratch });
    const documents = DynamoDBDocumentClient.from(suite.test.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    deps = {
      ...base,
      clock: () => new Date(now),
      newId: () => randomBytes(8).toString('hex'),
      approvals: new DynamoDbApprovalStore(documents, 'sluice'),
      audit: new DynamoDbAuditLog(documents, 'sluice'),
      callbacks: new LocalTaskCallbacks(),
      approvalUrl: (id) => `http://127.0.0.1/approvals/${id}`,
      newSecret: () => randomBytes(24).toString('base64url'),
    };
  });

  /** An execution whose Source succeeded and whose Gate stage requested `waiting`, as a killed process leaves it. */
  async function leftWaiting(gate: ActionDeclaration[], waiting: ActionDeclaration[]) {
    pipelines += 1;
    const pipeline: PipelineDeclaration = {
      name: `gated-${pipelines}`,
      stages: [
        { name: 'Source', actions: [checkout] },
        { name: 'Gate', actions: gate },
        { name: 'Build', actions: [build] },
      ],
    };
    await deps.store.putPipelineVersion({ name: pipeline.name, version: 1, declaration: pipeline, created: new Date(now).toISOString() });
    const input = await startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } });
    const executionId = input.pipeline.executionId;
    const at = new Date(now).toISOString();
    await deps.store.putStage({ pipelineExecutionId: executionId, stageName: 'Source', status: 'Succeeded', startTime: at, lastUpdateTime: at });
    await deps.store.putAction({
      pipelineExecutionId: executionId,
      stageName: 'Source',
      actionName: 'Checkout',
      actionExecutionId: 'c1',
      status: 'Succeeded',
      startTime: at,
      lastUpdateTime: at,
      input: { actionTypeId: checkout.actionTypeId, configuration: {}, resolvedConfiguration: {}, inputArtifacts: [] },
      output: { outputArtifacts: [{ name: 'Src', s3location: srcLocation }], outputVariables: { CommitId: 'abc' } },
    });
    await enterStage(deps, input.pipeline, 'Gate');
    for (const action of waiting) {
      await requestApproval(deps, approvalRequestPayload(input.pipeline, 'Gate', action, `token-${action.name}`));
    }
    return (await deps.store.getExecution(executionId))!;
  }

  it('resumes one waiting approval at its own state, with the earlier results rebuilt', async () => {
    const execution = await leftWaiting([review], [review]);
    const plan = (await planApprovalResume(deps, execution))!;
    expect(plan.resume.compiled.definition.StartAt).toBe('Gate / Review (run or keep)');
    expect(plan.input.actions).toEqual({ a0: { artifacts: [srcLocation], variables: { CommitId: 'abc' } } });
    expect(plan.approvals.map((approval) => [approval.actionName, approval.status, approval.taskToken])).toEqual([['Review', 'Pending', 'token-Review']]);
  });

  it('resumes a Parallel group of approvals only when every one of them still waits', async () => {
    const both = await leftWaiting([review, second], [review, second]);
    expect((await planApprovalResume(deps, both))?.resume.compiled.definition.StartAt).toBe('Gate (runOrder 1 start)');
    const one = await leftWaiting([review, second], [review]);
    expect(await planApprovalResume(deps, one)).toBeUndefined();
  });

  it('leaves alone a group that holds another action beside the approval', async () => {
    const execution = await leftWaiting([review, scan], [review]);
    expect(await planApprovalResume(deps, execution)).toBeUndefined();
  });

  it('leaves alone an execution with another action in progress', async () => {
    const execution = await leftWaiting([review, { ...scan, runOrder: 2 }], [review]);
    expect(await planApprovalResume(deps, execution)).toBeDefined();
    const at = new Date(now).toISOString();
    await deps.store.putAction({
      pipelineExecutionId: execution.pipelineExecutionId,
      stageName: 'Gate',
      actionName: 'Scan',
      actionExecutionId: 's1',
      status: 'InProgress',
      startTime: at,
      lastUpdateTime: at,
      input: { actionTypeId: scan.actionTypeId, configuration: {}, resolvedConfiguration: {}, inputArtifacts: [] },
    });
    expect(await planApprovalResume(deps, execution)).toBeUndefined();
  });

  it('leaves alone an approval that has expired or been decided', async () => {
    const expiring = await leftWaiting([review], [review]);
    const decided = await leftWaiting([review], [review]);
    const [action] = (await deps.store.listActions(decided.pipelineExecutionId)).filter((entry) => entry.actionName === 'Review');
    await deps.approvals.decide(action!.approval!.approvalId, { status: 'Approved', approver: 'Ada', at: new Date(now).toISOString() });
    expect(await planApprovalResume(deps, decided)).toBeUndefined();
    now += 61 * 60_000;
    expect(await planApprovalResume(deps, expiring)).toBeUndefined();
  });
});
