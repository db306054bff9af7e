/**
 * Embedded transport: what Sluice's store operations cost over the Unix sockets that the embedded
 * DynamoDB and S3 now listen on, against the same over loopback TCP, as they listened before.
 *
 * Both transports are served by the same pieces (dynalite; s3rver behind the aws-chunked proxy)
 * on this thread, so that only the client's connection differs. A third row runs the embedded
 * stack as Sluice runs it: `startEmbeddedStack`, its servers in a worker thread, with `localClients`.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { S3BlobStore } from '../lib/adapters/aws/s3-blob-store';
import { startAwsChunkedProxy, type RunningProxy } from '../lib/adapters/local/aws-chunked-proxy';
import { embeddedClientConfig, startEmbeddedStack } from '../lib/adapters/local/embedded-stack';
import { listenOnSocket } from '../lib/adapters/local/socket-directory';
import { localClients, type LocalClients } from '../lib/compose/local-clients';
import { describeMachine } from './support/machine';
import { fixed, median, now } from './support/stats';
import { markdownTable, printSection } from './support/table';
import { withTempDir } from './support/temp-dir';

const ITEM_PAIRS = 2000;
const OBJECT_PAIRS = 200;
const ROUNDS = 5;
const TABLE = 'bench';
const BUCKET = 'bench';
const OBJECT = Buffer.alloc(1024, 'x');

interface Transport {
  name: string;
  clients: LocalClients;
  close(): Promise<void>;
}

/** dynalite and s3rver (behind the proxy) on this thread; the clients reach them over sockets or TCP. */
async function servedHere(directory: string, kind: 'socket' | 'tcp'): Promise<Transport> {
  const dynamodb = dynalite({ path: path.join(directory, 'dynamodb'), createTableMs: 0 });
  const s3rver = new S3rver({ directory: path.join(directory, 's3'), silent: true, vhostBuckets: false });
  const s3rverServer = http.createServer(s3rver.callback());
  await listenOnSocket(s3rverServer, path.join(directory, 's3rver.sock'));
  const config = embeddedClientConfig();
  let clients: LocalClients;
  let proxy: RunningProxy;
  if (kind === 'socket') {
    await listenOnSocket(dynamodb, path.join(directory, 'dynamodb.sock'));
    proxy = await startAwsChunkedProxy({ listen: { socketPath: path.join(directory, 's3.sock') }, upstreamSocket: path.join(directory, 's3rver.sock') });
    clients = localClients({ dynamodbSocket: path.join(directory, 'dynamodb.sock'), s3Socket: path.join(directory, 's3.sock') });
  } else {
    dynamodb.listen(0, '127.0.0.1');
    await once(dynamodb, 'listening');
    proxy = await startAwsChunkedProxy({ listen: { port: 0, host: '127.0.0.1' }, upstreamSocket: path.join(directory, 's3rver.sock') });
    // The SDK's default handler, with its keep-alive agent, as the clients had it over TCP.
    clients = {
      dynamodb: new DynamoDBClient({ ...config.dynamodb, endpoint: `http://127.0.0.1:${(dynamodb.address() as AddressInfo).port}` }),
      s3: new S3Client({ ...config.s3, endpoint: `http://127.0.0.1:${(proxy.address as AddressInfo).port}` }),
    };
  }
  return {
    name: kind === 'socket' ? 'Unix socket' : 'loopback TCP',
    clients,
    close: async () => {
      clients.dynamodb.destroy();
      clients.s3.destroy();
      await proxy.close();
      for (const server of [dynamodb, s3rverServer]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}

/** The embedded stack as Sluice runs it: servers in their worker thread, clients over the sockets. */
async function asSluiceRunsIt(directory: string): Promise<Transport> {
  const stack = await startEmbeddedStack(directory);
  const clients = localClients(stack);
  return {
    name: 'Unix socket, servers in the worker thread (as Sluice runs them)',
    clients,
    close: async () => {
      clients.dynamodb.destroy();
      clients.s3.destroy();
      await stack.close();
    },
  };
}

async function prepare({ clients }: Transport): Promise<void> {
  await clients.dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await new S3BlobStore(clients.s3).ensureBucket(BUCKET);
}

/** `pairs` PutItem + GetItem, one after the other, as Sluice's store calls go; ms. */
async function items({ clients }: Transport, pairs: number, round: number): Promise<number> {
  const start = now();
  for (let index = 0; index < pairs; index += 1) {
    const pk = `${round}-${index}`;
    await clients.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: pk }, status: { S: 'InProgress' }, detail: { S: 'x'.repeat(200) } } }));
    const got = await clients.dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } } }));
    if (got.Item?.pk?.S !== pk) throw new Error(`GetItem did not return item ${pk}`);
  }
  return now() - start;
}

/** `pairs` put + get of a 1 KiB object through S3BlobStore; ms. */
async function objects({ clients }: Transport, pairs: number, round: number): Promise<number> {
  const blobs = new S3BlobStore(clients.s3);
  const start = now();
  for (let index = 0; index < pairs; index += 1) {
    const location = { bucketName: BUCKET, objectKey: `round-${round}/object-${index}` };
    await blobs.put(location, OBJECT);
    const object = await blobs.get(location);
    if (Buffer.concat(await object.body.toArray()).length !== OBJECT.length) throw new Error(`object ${location.objectKey} came back changed`);
  }
  return now() - start;
}

async function main(): Promise<void> {
  console.log(`Machine: ${describeMachine()}`);
  await withTempDir('transport', async (work) => {
    const transports = [
      await servedHere(path.join(work, 'tcp'), 'tcp'),
      await servedHere(path.join(work, 'socket'), 'socket'),
      await asSluiceRunsIt(path.join(work, 'stack')),
    ];
    try {
      const itemMs = new Map<Transport, number[]>(transports.map((transport) => [transport, []]));
      const objectMs = new Map<Transport, number[]>(transports.map((transport) => [transport, []]));
      for (const transport of transports) {
        await prepare(transport);
        // Warm-up: connections, module loading, the JIT.
        await items(transport, 100, -1);
        await objects(transport, 20, -1);
      }
      // Alternating, so that a burst of load elsewhere on the machine weighs on every transport alike.
      for (let round = 0; round < ROUNDS; round += 1) {
        for (const transport of transports) {
          itemMs.get(transport)!.push(await items(transport, ITEM_PAIRS, round));
          objectMs.get(transport)!.push(await objects(transport, OBJECT_PAIRS, round));
        }
      }
      const [tcp, socket] = transports as [Transport, Transport, Transport];
      const ratio = (times: Map<Transport, number[]>, transport: Transport) => median(times.get(transport)!) / median(times.get(tcp)!);
      printSection(
        `Embedded DynamoDB and S3 over Unix sockets against loopback TCP: ${ITEM_PAIRS} PutItem+GetItem and ${OBJECT_PAIRS} put+get of a 1 KiB object, sequential; medians of ${ROUNDS} alternating rounds`,
        markdownTable(
          ['transport', `${ITEM_PAIRS} PutItem+GetItem, ms`, 'per pair, ms', 'time / TCP', `${OBJECT_PAIRS} S3 put+get, ms`, 'per pair, ms', 'time / TCP'],
          transports.map((transport) => {
            const itemsMedian = median(itemMs.get(transport)!);
            const objectsMedian = median(objectMs.get(transport)!);
            return [
              transport === socket ? `**${transport.name}**` : transport.name,
              fixed(itemsMedian, 0),
              fixed(itemsMedian / ITEM_PAIRS, 2),
              fixed(ratio(itemMs, transport), 2),
              fixed(objectsMedian, 0),
              fixed(objectsMedian / OBJECT_PAIRS, 2),
              fixed(ratio(objectMs, transport), 2),
            ];
          }),
        ),
      );
    } finally {
      for (const transport of transports) await transport.close();
    }
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
