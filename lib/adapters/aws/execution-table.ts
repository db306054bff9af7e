import { CreateTableCommand, DescribeTableCommand, ResourceNotFoundException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * One table holds pipelines and executions. Keys:
 * - `EXECUTION#<id>` / `#EXECUTION`, `STAGE#<stage>`, `ACTION#<stage>#<action>`: an execution and its parts;
 * - `PIPELINE#<name>` / `VERSION#<n>`: each version of a declaration.
 * The `byPipeline` index lists a pipeline's executions by start time, and every pipeline's versions.
 */
export const EXECUTION_TABLE_KEYS = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byPipeline',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
} as const;

/**
 * Creates the table where there is none (the embedded DynamoDB starts empty), and returns once it
 * takes requests: a table is CREATING when CreateTable answers, and refuses them until it is ACTIVE.
 */
export async function ensureExecutionTable(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    if ((await describeOrCreate(client, tableName)) === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`The table ${tableName} did not become ACTIVE within 5 seconds.`);
}

/** Whether DynamoDB refused a request because its table is not there. */
export const isMissingTable = (error: unknown): boolean => error instanceof ResourceNotFoundException;

/** The table's status; CREATING once it has been created. */
async function describeOrCreate(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableStatus;
  } catch (error) {
    if (!isMissingTable(error)) throw error;
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...EXECUTION_TABLE_KEYS.AttributeDefinitions],
        KeySchema: [...EXECUTION_TABLE_KEYS.KeySchema],
        GlobalSecondaryIndexes: EXECUTION_TABLE_KEYS.GlobalSecondaryIndexes.map((index) => ({
          ...index,
          KeySchema: [...index.KeySchema],
        })),
      }),
    );
    return 'CREATING';
  }
}
