import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { embeddedClientConfig, type EmbeddedEndpoints } from '../adapters/local/embedded-stack';

export interface LocalClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

/** SDK clients for the embedded stack, over its Unix sockets. The caller destroys them before closing the stack. */
export function localClients(stack: Pick<EmbeddedEndpoints, 'dynamodbSocket' | 's3Socket'>): LocalClients {
  const config = embeddedClientConfig();
  return {
    s3: new S3Client({ ...config.s3, requestHandler: unixSocketHandler(stack.s3Socket) }),
    dynamodb: new DynamoDBClient({ ...config.dynamodb, requestHandler: unixSocketHandler(stack.dynamodbSocket) }),
  };
}

/**
 * A request left unanswered this long is abandoned, and the SDK retries it. Under hundreds of
 * executions at once an embedded server's answer was seen to never come, which left its
 * execution InProgress for good; a local answer takes milliseconds, so this is no real limit.
 */
const REQUEST_TIMEOUT_MS = 30_000;

/** An HTTP handler whose connections, kept alive between requests, all go to one Unix socket. */
export function unixSocketHandler(socketPath: string): NodeHttpHandler {
  return new NodeHttpHandler({ httpAgent: new UnixSocketAgent(socketPath), requestTimeout: REQUEST_TIMEOUT_MS });
}

class UnixSocketAgent extends http.Agent {
  constructor(private readonly socketPath: string) {
    super({ keepAlive: true });
  }

  override createConnection(): Duplex {
    return net.connect({ path: this.socketPath });
  }
}
