import { enterStage } from '../support/step-engine';
import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbApprovalStore } from '../../lib/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuditLog } from '../../lib/adapters/aws/dynamodb-audit-log';
import { LocalTaskCallbacks } from '../../lib/adapters/local/local-task-callbacks';
import { handleApprovalRequest } from '../../lib/api/approval-routes';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { decideByLink, requestApproval, type ApprovalDependencies } from '../../lib/execution/approvals';
import { startExecution } from '../../lib/execution/start-execution';
import { gitSourceStage } from '../support/declarations';
import { approvalRequestPayload } from '../support/task-payloads';
import { stackPerSuite } from '../support/embedded-stack';
import { testExecutionDependencies } from '../support/execution-deps';

const review = {
  name: 'Review',
  actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
  timeoutInMinutes: 60,
  configuration: { CustomData: '<script>alert(1)</script>' },
} as const;
const pipeline: PipelineDeclaration = {
  name: 'gated',
  stages: [gitSourceStage('.'), { name: 'Gate', actions: [review] }],
};

describe('approval requests on the embedded stack', () => {
  const suite = stackPerSuite();
  let deps: ApprovalDependencies;
  let callbacks: LocalTaskCallbacks;
  let now = Date.parse('2026-01-01T00:00:00.000Z');

  beforeAll(async () => {
    const { deps: base } = await testExecutionDependencies(suite.test, { providers: [], workspaceRoot: suite.scratch });
    callbacks = new LocalTaskCallbacks();
    const documents = DynamoDBDocumentClient.from(suite.test.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    deps = {
      ...base,
      clock: () => new Date(now),
      approvals: new DynamoDbApprovalStore(documents, 'sluice'),
      audit: new DynamoDbAuditLog(documents, 'sluice'),
      callbacks,
      approvalUrl: (id) => `http://127.0.0.1/approvals/${id}`,
      newSecret: () => randomBytes(24).toString('base64url'),
    };
  });

  it('lets a retried request (a new task token) resume the approval it already made, without asking twice', async () => {
    const notified: string[] = [];
    const counting = { ...deps, notifyApprovers: async (request: { approval: { token: string } }) => void notified.push(request.approval.token) };
    const input = await startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } });
    const payload = (taskToken: string) => approvalRequestPayload(input.pipeline, 'Gate', review, taskToken);
    const first = await requestApproval(counting, payload('first-attempt'));
    const retried = await requestApproval(counting, payload('second-attempt'));
    expect(retried.approvalId).toBe(first.approvalId);
    expect((await deps.approvals.getApproval(first.approvalId))?.taskToken).toBe('second-attempt');
    expect(notified).toHaveLength(1);
  });

  /** An execution waiting in its Gate stage on an approval whose task token is `taskToken`. */
  async function waitingApproval(taskToken: string) {
    const input = await startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } });
    await enterStage(deps, input.pipeline, 'Gate');
    const payload = approvalRequestPayload(input.pipeline, 'Gate', review, taskToken);
    return { input, approval: await requestApproval(deps, payload) };
  }

  it('answers 410 to its link, changes nothing on GET, and fails the action with "expired" on the POST', async () => {
    const taskToken = 'task-token-1';
    const waiting = callbacks.wait(taskToken);
    const { input, approval } = await waitingApproval(taskToken);
    const request = (method: string, body = '') =>
      handleApprovalRequest(deps, { method, path: `/approvals/${approval.approvalId}`, query: {}, headers: {}, body });

    const open = await request('GET');
    expect(open?.status).toBe(200);
    expect(open?.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(open?.body).not.toContain('<script>');

    now += 61 * 60_000;
    expect((await request('GET'))?.status).toBe(410);
    expect((await request('HEAD'))?.status).toBe(410);
    expect((await deps.approvals.getApproval(approval.approvalId))?.status).toBe('Pending');

    const posted = await request('POST', new URLSearchParams({ nonce: approval.nonce, decision: 'approve', approver: 'Late' }).toString());
    expect(posted?.status).toBe(410);
    await expect(waiting).rejects.toMatchObject({ name: 'Sluice.ApprovalExpired', message: 'expired' });
    expect((await deps.approvals.getApproval(approval.approvalId))?.status).toBe('Expired');
    const [action] = await deps.store.listActions(input.pipeline.executionId);
    expect(action).toMatchObject({ actionName: 'Review', status: 'Failed', errorDetails: { message: 'expired' } });
  });

  it('records an approval whose Task no longer waits as expired, and tells the approver so with a 410', async () => {
    // No wait() for this token: the Task timed out before its approval did.
    const { input, approval } = await waitingApproval('task-token-gone');
    const body = new URLSearchParams({ nonce: approval.nonce, decision: 'approve', approver: 'Ada' }).toString();
    const posted = await handleApprovalRequest(deps, { method: 'POST', path: `/approvals/${approval.approvalId}`, query: {}, headers: {}, body });

    expect(posted?.status).toBe(410);
    expect(posted?.body).toContain('Approval expired');
    const recorded = await deps.approvals.getApproval(approval.approvalId);
    expect(recorded).toMatchObject({ status: 'Expired', decision: { status: 'Expired', summary: expect.stringContaining('Ada') } });
    const [action] = await deps.store.listActions(input.pipeline.executionId);
    expect(action).toMatchObject({ actionName: 'Review', status: 'Failed', errorDetails: { code: 'Sluice.ApprovalExpired', message: 'expired' } });

    const again = await handleApprovalRequest(deps, { method: 'POST', path: `/approvals/${approval.approvalId}`, query: {}, headers: {}, body });
    expect(again?.status).toBe(410);
  });

  it('gives two approvers deciding at once exactly one decision, which the Task hears once, after it is recorded', async () => {
    const taskToken = 'task-token-contested';
    const waiting = callbacks.wait(taskToken);
    const { input, approval } = await waitingApproval(taskToken);
    // What the Task hears, and what was recorded by then; a rejection is heard as an error.
    const heard = waiting.then(
      async (output) => ({ output, recorded: await deps.approvals.getApproval(approval.approvalId) }),
      async (error: unknown) => ({ error, recorded: await deps.approvals.getApproval(approval.approvalId) }),
    );

    const outcomes = await Promise.all([
      decideByLink(deps, approval.approvalId, approval.nonce, { status: 'Approved', approver: 'Ada' }),
      decideByLink(deps, approval.approvalId, approval.nonce, { status: 'Rejected', approver: 'Bob' }),
    ]);

    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['already', 'decided']);
    const winner = outcomes.find((outcome) => outcome.kind === 'decided')!;
    const loser = outcomes.find((outcome) => outcome.kind === 'already')!;
    const approved = winner.kind === 'decided' && winner.record.status === 'Approved';
    expect(loser.kind === 'already' && loser.record.decision?.approver).toBe(approved ? 'Ada' : 'Bob');
    const { recorded, ...told } = await heard;
    expect(told).toEqual(
      approved
        ? { output: { status: 'Approved', summary: 'Approved by Ada' } }
        : { error: expect.objectContaining({ name: 'Sluice.ApprovalRejected', message: 'Rejected by Bob' }) },
    );
    expect(recorded?.status).toBe(approved ? 'Approved' : 'Rejected');
    const [action] = await deps.store.listActions(input.pipeline.executionId);
    expect(action?.status).toBe(approved ? 'Succeeded' : 'Failed');
    await expect(callbacks.succeed(taskToken, {})).rejects.toMatchObject({ name: 'Sluice.TaskNotWaiting' });
  });

  it('shows an approval whose decision is being passed on as such, and decides nothing more on a POST', async () => {
    const { approval } = await waitingApproval('task-token-deciding');
    await deps.approvals.claimDecision(approval.approvalId, { status: 'Approved', approver: 'Ada', at: '2026-01-01T00:00:00.000Z' });
    const request = (method: string, body = '') =>
      handleApprovalRequest(deps, { method, path: `/approvals/${approval.approvalId}`, query: {}, headers: {}, body });

    const open = await request('GET');
    expect(open?.status).toBe(200);
    expect(open?.body).toContain('Ada has approved it at 2026-01-01T00:00:00.000Z; the pipeline is being told.');
    const posted = await request('POST', new URLSearchParams({ nonce: approval.nonce, decision: 'reject', approver: 'Bob' }).toString());
    expect(posted?.status).toBe(409);
    expect((await deps.approvals.getApproval(approval.approvalId))?.decision?.approver).toBe('Ada');
  });
});
