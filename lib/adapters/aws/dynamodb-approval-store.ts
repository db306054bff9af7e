import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from '../../ports/approval-store';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

const key = (approvalId: string) => ({ pk: `APPROVAL#${approvalId}`, sk: '#APPROVAL' });

/** Approvals in the execution table; each change of status is a conditional write on the status before it. */
export class DynamoDbApprovalStore implements ApprovalStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  async createApproval(record: ApprovalRecord): Promise<void> {
    await this.explained('dynamodb:PutItem', () =>
      this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { ...key(record.approvalId), ...record }, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    );
  }

  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    const { Item } = await this.explained('dynamodb:GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: key(approvalId) })));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = Item;
    return record as ApprovalRecord;
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
  private async moveStatus(approvalId: string, from: ApprovalRecord['status'], to: ApprovalRecord['status'], decision?: ApprovalDecision): Promise<boolean> {
    try {
      await this.explained('dynamodb:UpdateItem', () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key(approvalId),
            UpdateExpression: decision ? 'SET #status = :to, decision = :decision' : 'SET #status = :to REMOVE decision',
            ConditionExpression: 'attribute_exists(pk) AND #status = :from',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':to': to, ':from': from, ...(decision ? { ':decision': decision } : {}) },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return false;
    }
  }

  /** One call to the table; an AccessDenied comes out naming the IAM action and the table. */
  async replaceTaskToken(approvalId: string, taskToken: string): Promise<void> {
    await this.explained('dynamodb:UpdateItem', () =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(approvalId),
          UpdateExpression: 'SET taskToken = :token',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':token': taskToken },
        }),
      ),
    );
  }

  async deleteApproval(approvalId: string): Promise<void> {
    await this.explained('dynamodb:DeleteItem', () => this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(approvalId) })));
  }

  private explained<T>(action: string, call: () => Promise<T>): Promise<T> {
    return withAccessExplained({ action, resource: `table/${this.tableName}`, role: this.options.roleName }, call);
  }
}
