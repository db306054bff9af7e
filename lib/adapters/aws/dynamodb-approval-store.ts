import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApprovalDecision, ApprovalRecord, ApprovalStore } from '../../ports/approval-store';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

const key = (approvalId: string) => ({ pk: `APPROVAL#${approvalId}`, sk: '#APPROVAL' });

/** Approvals in the execution table; the decision is a conditional write on status Pending. */
export class DynamoDbApprovalStore implements ApprovalStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  async createApproval(record: ApprovalRecord): Promise<void> {
    await this.explained('dynamodb:PutItem', () => this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...key(record.approvalId), ...record }, ConditionExpression: 'attribute_not_exists(pk)' }),
    ));
  }

  async getApproval(approvalId: string): Promise<ApprovalRecord | undefined> {
    const { Item } = await this.explained('dynamodb:GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, Key: key(approvalId) })));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = Item;
    return record as ApprovalRecord;
  }

  async decide(approvalId: string, decision: ApprovalDecision): Promise<{ decided: boolean; record: ApprovalRecord | undefined }> {
    try {
      await this.explained('dynamodb:UpdateItem', () => this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(approvalId),
          UpdateExpression: 'SET #status = :status, decision = :decision',
          ConditionExpression: 'attribute_exists(pk) AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':status': decision.status, ':decision': decision, ':pending': 'Pending' },
        }),
      ));
      return { decided: true, record: await this.getApproval(approvalId) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return { decided: false, record: await this.getApproval(approvalId) };
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
