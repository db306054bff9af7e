import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDbApprovalStore } from '../../../lib/adapters/aws/dynamodb-approval-store';
import type { ApprovalDecision, ApprovalRecord } from '../../../lib/ports/approval-store';
import { executionTableOn, racing, serversForSuite, type ServerKind } from './servers';

function approval(approvalId: string): ApprovalRecord {
  return {
    approvalId,
    token: `${approvalId}-token`,
    taskToken: `${approvalId}-task-token`,
    nonce: `${approvalId}-nonce`,
    pipelineName: 'webapp',
    pipelineVersion: 1,
    pipelineExecutionId: 'e-approval',
    stageName: 'Release',
    actionName: 'Approve',
    status: 'Pending',
    createdAt: '2025-01-01T00:00:00.000Z',
    expiresAt: '2025-01-08T00:00:00.000Z',
  };
}

const decision = (status: ApprovalDecision['status'], approver: string): ApprovalDecision => ({ status, approver, at: '2025-01-02T00:00:00.000Z' });

/** What the ApprovalStore port promises, of DynamoDbApprovalStore on a table of its own on the servers of `kind`. */
export function describeApprovalStoreContract(kind: ServerKind): void {
  describe(`DynamoDbApprovalStore on ${kind.name}`, () => {
    const servers = serversForSuite(kind);
    let approvals: DynamoDbApprovalStore;

    beforeAll(async () => {
      const { documents, table } = await executionTableOn(servers(), 'sluice-approvals');
      approvals = new DynamoDbApprovalStore(documents, table);
    });

    /** Creates approval `id`, then races alice approving it against bob rejecting it, each through `step`. */
    async function aliceRacesBob<T>(id: string, step: (id: string, decision: ApprovalDecision) => Promise<T>): Promise<T[]> {
      await approvals.createApproval(approval(id));
      return racing(kind, [() => step(id, decision('Approved', 'alice')), () => step(id, decision('Rejected', 'bob'))]);
    }

    it('refuses a second approval with the same id', async () => {
      await approvals.createApproval(approval('twice'));

      await expect(approvals.createApproval({ ...approval('twice'), nonce: 'other' })).rejects.toThrow(ConditionalCheckFailedException);
      expect(await approvals.getApproval('twice')).toEqual(approval('twice'));
    });

    it('lets exactly one of two concurrent decisions win', async () => {
      const outcomes = await aliceRacesBob('race', (id, decided) => approvals.decide(id, decided));

      expect(outcomes.filter((outcome) => outcome.decided)).toHaveLength(1);
      const winner = outcomes.find((outcome) => outcome.decided)!.record!;
      expect(['alice', 'bob']).toContain(winner.decision?.approver);
      for (const outcome of outcomes) expect(outcome.record).toEqual(winner);
    });

    it('does not decide an approval that does not exist', async () => {
      expect(await approvals.decide('no-such-approval', decision('Approved', 'alice'))).toEqual({ decided: false, record: undefined });
    });

    it('lets one of two deciders claim an approval, and only the claim moves it on: to its decision, or back to Pending', async () => {
      const claims = await aliceRacesBob('claimed', (id, claimed) => approvals.claimDecision(id, claimed));

      expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
      const held = claims.find((claim) => claim.claimed)!.record!;
      expect(held.status).toBe('Deciding');
      expect(await approvals.decide('claimed', decision('Expired', 'nobody'))).toMatchObject({ decided: false, record: { status: 'Deciding' } });

      await approvals.releaseDecision('claimed');
      const reopened = await approvals.getApproval('claimed');
      expect(reopened).toEqual(approval('claimed'));
      await expect(approvals.completeDecision('claimed', decision('Approved', 'alice'))).rejects.toThrow('was not being decided');

      await approvals.claimDecision('claimed', decision('Approved', 'alice'));
      expect(await approvals.completeDecision('claimed', decision('Approved', 'alice'))).toMatchObject({ status: 'Approved', decision: { approver: 'alice' } });
    });
  });
}
