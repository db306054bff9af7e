import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  type GetCommandInput,
  type PutCommandInput,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/** Strips the key attributes, the table's and its `byPipeline` index's, from an item read back from the table. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, ...rest } = item;
  return rest as T;
}

/** Waits for a conditional write; false when its condition failed. */
export async function unlessConditionFails(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/**
 * A store that keeps its items in one DynamoDB table, through a document client that the caller
 * builds. Each call goes to that table, and an AccessDenied comes out naming the IAM action and
 * the table.
 */
export abstract class DynamoDbTable {
  constructor(
    protected readonly client: DynamoDBDocumentClient,
    protected readonly tableName: string,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  protected putItem(input: Omit<PutCommandInput, 'TableName'>) {
    return this.explained('dynamodb:PutItem', () => this.client.send(new PutCommand({ TableName: this.tableName, ...input })));
  }

  protected getItem(input: Omit<GetCommandInput, 'TableName'>) {
    return this.explained('dynamodb:GetItem', () => this.client.send(new GetCommand({ TableName: this.tableName, ...input })));
  }

  protected updateItem(input: Omit<UpdateCommandInput, 'TableName'>) {
    return this.explained('dynamodb:UpdateItem', () => this.client.send(new UpdateCommand({ TableName: this.tableName, ...input })));
  }

  protected deleteItem(input: Omit<DeleteCommandInput, 'TableName'>) {
    return this.explained('dynamodb:DeleteItem', () => this.client.send(new DeleteCommand({ TableName: this.tableName, ...input })));
  }

  /** Every item a query finds, page after page, up to `limit` when one is given. */
  protected async queryAll(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>, limit?: number): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.explained(
        'dynamodb:Query',
        () =>
          this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              ...input,
              ExclusiveStartKey: start,
              ...(limit === undefined ? {} : { Limit: limit - items.length }),
            }),
          ),
        input.IndexName ? { indexName: input.IndexName } : {},
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && (limit === undefined || items.length < limit));
    return items;
  }

  /** One call to the table (or its index); an AccessDenied comes out naming the IAM action and the table. */
  protected explained<T>(action: string, call: () => Promise<T>, { indexName }: { indexName?: string } = {}): Promise<T> {
    const resource = `table/${this.tableName}${indexName ? `/index/${indexName}` : ''}`;
    return withAccessExplained({ action, resource, role: this.options.roleName }, call);
  }
}
