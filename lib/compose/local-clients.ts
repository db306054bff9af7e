import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { embeddedClientConfig, type EmbeddedEndpoints } from '../adapters/local/embedded-stack';

export interface LocalClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

/** SDK clients for the embedded stack. The caller destroys them before closing the stack. */
export function localClients(stack: EmbeddedEndpoints): LocalClients {
  const config = embeddedClientConfig(stack);
  return { s3: new S3Client(config.s3), dynamodb: new DynamoDBClient(config.dynamodb) };
}
