import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { removeDirectory, startTestStack, temporaryDirectory } from '../support/embedded-stack';

const TABLE = 'sluice-test';

function getGreeting(dynamodb: DynamoDBClient) {
  return dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'greeting' } }, ConsistentRead: true }));
}

describe('the embedded DynamoDB (dynalite)', () => {
  it('answers CreateTable, PutItem and GetItem, and keeps the data across a restart', async () => {
    const dataDir = await temporaryDirectory();
    try {
      const first = await startTestStack(dataDir);
      try {
        await first.clients.dynamodb.send(
          new CreateTableCommand({
            TableName: TABLE,
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        // CreateTable answers CREATING even with createTableMs 0; the table is ACTIVE moments later.
        let status: string | undefined;
        for (let attempt = 0; attempt < 100 && status !== 'ACTIVE'; attempt += 1) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 10));
          status = (await first.clients.dynamodb.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableStatus;
        }
        expect(status).toBe('ACTIVE');
        await first.clients.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'greeting' }, text: { S: 'hello' } } }));
        expect((await getGreeting(first.clients.dynamodb)).Item).toEqual({ pk: { S: 'greeting' }, text: { S: 'hello' } });
      } finally {
        await first.stop();
      }

      const second = await startTestStack(dataDir);
      try {
        expect((await getGreeting(second.clients.dynamodb)).Item).toEqual({ pk: { S: 'greeting' }, text: { S: 'hello' } });
      } finally {
        await second.stop();
      }
    } finally {
      await removeDirectory(dataDir);
    }
  });
});

describe('ensureExecutionTable on the embedded DynamoDB', () => {
  it('returns only once the new table answers queries, however quickly the next request follows', async () => {
    const dataDir = await temporaryDirectory();
    const test = await startTestStack(dataDir);
    try {
      // A table is CREATING for a moment after CreateTable answers; a query then is refused as "not found".
      for (let index = 0; index < 30; index += 1) {
        await ensureExecutionTable(test.clients.dynamodb, `table-${index}`);
        const query = test.clients.dynamodb.send(
          new QueryCommand({ TableName: `table-${index}`, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: 'x' } } }),
        );
        await expect(query).resolves.toMatchObject({ Count: 0 });
      }
    } finally {
      await test.stop();
      await removeDirectory(dataDir);
    }
  });
});
