import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureExecutionTable } from '../../../lib/adapters/aws/execution-table';

/**
 * The AWS services a contract suite runs its adapters against: the embedded dynalite and s3rver
 * in `npm test`, moto in `npm run test:aws`. A suite names what it creates with `uniqueName`,
 * since the files of one moto run share one server.
 */
export interface ContractServers {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  uniqueName(prefix: string): string;
  /** Destroys the clients, and stops the servers the suite started. */
  stop(): Promise<void>;
}

/** The servers a suite runs against: their name, for its title, and how to start (or reach) them. */
export interface ServerKind {
  name: string;
  /**
   * Whether concurrent conditional writes are serialized, as DynamoDB does and dynalite does.
   * moto's threaded server checks a condition and writes without a lock, so two racing writes
   * can both pass there.
   */
  serializesConditionalWrites: boolean;
  open(): Promise<ContractServers>;
}

/**
 * Makes the calls at once where the servers serialize conditional writes, so that a race is
 * really run; elsewhere one after the other, which still checks each call's condition.
 */
export async function racing<T>(kind: ServerKind, calls: (() => Promise<T>)[]): Promise<T[]> {
  if (kind.serializesConditionalWrites) return Promise.all(calls.map((call) => call()));
  const results: T[] = [];
  for (const call of calls) results.push(await call());
  return results;
}

/**
 * An execution table of a suite's own on `servers`, named after `prefix`, and a document client
 * that writes to it as the deployment's does: what a DynamoDB store is built on.
 */
export async function executionTableOn(servers: ContractServers, prefix: string): Promise<{ documents: DynamoDBDocumentClient; table: string }> {
  const table = servers.uniqueName(prefix);
  await ensureExecutionTable(servers.dynamodb, table);
  return { documents: DynamoDBDocumentClient.from(servers.dynamodb, { marshallOptions: { removeUndefinedValues: true } }), table };
}

/**
 * The servers of the enclosing describe block, open from its beforeAll to its afterAll. A getter,
 * because a test body reads them only once beforeAll has run.
 */
export function serversForSuite(kind: ServerKind): () => ContractServers {
  let servers: ContractServers | undefined;
  beforeAll(async () => {
    servers = await kind.open();
  });
  afterAll(async () => {
    await servers?.stop();
  });
  return () => {
    if (!servers) throw new Error('the contract servers are not open: read them inside a test or a hook');
    return servers;
  };
}
