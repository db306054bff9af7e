import { CreateTableCommand, DescribeTableCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
        // CreateTable answers CREATING even with createTableMs 0; the table is ACTIVE a tick later.
        const described = await first.clients.dynamodb.send(new DescribeTableCommand({ TableName: TABLE }));
        expect(described.Table?.TableStatus).toBe('ACTIVE');
        await first.clients.dynamodb.send(
          new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'greeting' }, text: { S: 'hello' } } }),
        );
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
