import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from '../../ports/approval-store';
import { DynamoDbTable, unlessConditionFails, withoutKeys } from './dynamodb-table';

const key = (approvalId: string) => ({ pk: `APPROVAL#${approvalId}`, sk: '#APPROVAL' });

/** Approvals in the execution table; each change of status is a conditional write on the status before it. */
export class DynamoDbApprovalStore extends DynamoDbTable implements ApprovalStore {
  async createApproval(record: ApprovalRecord): Promise<void> {
    await this.putItem({ Item: { ...key(record.approvalId), ...record }, ConditionExpression: 'attribute_not_exists(pk)' });
  }

  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    const { Item } = await this.getItem({ Key: key(approvalId) });
    return Item && withoutKeys<ApprovalRecord>(Item);
  }

  async decide(approvalId: string, decision: ApprovalDecision): Promise<{ decided: boolean; record: ApprovalRecord | undefined }> {
    const decided = await this.moveStatus(approvalId, 'Pending', decision.status, decision);
    return { decided, record: await this.getApproval(approvalId) };
  }

  async claimDecision(approvalId: string, decision: ApprovalDecision): Promise<{ claimed: boolean; record: ApprovalRecord | undefined }> {
    const claimed = await this.moveStatus(approvalId, 'Pending', 'Deciding', decision);
    return { claimed, record: await this.getApproval(approvalId) };
  }

  async completeDecision(approvalId: string, decision: ApprovalDecision): Promise<ApprovalRecord> {
    if (!(await this.moveStatus(approvalId, 'Deciding', decision.status, decision))) {
      throw new Error(`Approval ${approvalId} was not being decided: its decision cannot be completed.`);
    }
    return (await this.getApproval(approvalId))!;
  }

  async releaseDecision(approvalId: string): Promise<void> {
    await this.moveStatus(approvalId, 'Deciding', 'Pending');
  }

  /** One conditional write from status `from` to `to`; false when the approval was not in `from`. */
  private moveStatus(approvalId: string, from: ApprovalRecord['status'], to: ApprovalRecord['status'], decision?: ApprovalDecision): Promise<boolean> {
    return unlessConditionFails(
      this.updateItem({
        Key: key(approvalId),
        UpdateExpression: decision ? 'SET #status = :to, decision = :decision' : 'SET #status = :to REMOVE decision',
        ConditionExpression: 'attribute_exists(pk) AND #status = :from',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':to': to, ':from': from, ...(decision ? { ':decision': decision } : {}) },
      }),
    );
  }

  async replaceTaskToken(approvalId: string, taskToken: string): Promise<void> {
    await this.updateItem({
      Key: key(approvalId),
      UpdateExpression: 'SET taskToken = :token',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':token': taskToken },
    });
  }

  async deleteApproval(approvalId: string): Promise<void> {
    await this.deleteItem({ Key: key(approvalId) });
  }
}
