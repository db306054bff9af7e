import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver, { type S3rverEventRecord } from 's3rver';
import type { S3ObjectCreatedEvent } from '../../core/source-change';
import { startAwsChunkedProxy } from './aws-chunked-proxy';

export interface EmbeddedEndpoints {
  dynamodbEndpoint: string;
  s3Endpoint: string;
}

export interface EmbeddedStack extends EmbeddedEndpoints {
  /**
   * Calls `listener` with S3's Object Created event, in the shape EventBridge delivers it, for each
   * object written to the embedded S3 (put, copied, or uploaded in parts), once it is stored.
   * The listener runs inside s3rver's request and must not throw. Returns what stops the calls.
   */
  onObjectCreated(listener: (event: S3ObjectCreatedEvent) => void): () => void;
  /** Closes both servers and their stores. Calling it again returns the same promise. */
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const LOCAL_ACCOUNT = '000000000000';

/**
 * Starts the local DynamoDB (dynalite) and S3 (s3rver) in this process, each on a free loopback
 * port, with their data under `dataDir` (`dynamodb/`, `s3/`). Only one process may own a data dir.
 *
 * S3 requests reach s3rver through a proxy that decodes `aws-chunked` bodies, so objects are
 * stored intact whatever the client's checksum settings.
 *
 * Do not page through listings: s3rver answers a truncated ListObjectsV2 with a 500, because its
 * continuation token uses a DES cipher that OpenSSL 3 disables (unless Node runs with
 * `--openssl-legacy-provider`). Listings of up to 1,000 keys come back whole.
 *
 * s3rver writes a PutObject's bytes straight into the object, so an interrupted upload leaves a
 * truncated object behind. Multipart uploads (what `Upload` does above 5 MB) only appear once
 * they complete.
 *
 * @example
 * const stack = await startEmbeddedStack('.sluice');
 * const { s3, dynamodb } = localClients(stack);
 * // ...
 * await stack.close();
 */
export async function startEmbeddedStack(dataDir: string): Promise<EmbeddedStack> {
  const dynamodbPath = path.join(dataDir, 'dynamodb');
  const s3Directory = path.join(dataDir, 's3');
  await mkdir(dynamodbPath, { recursive: true });
  await mkdir(s3Directory, { recursive: true });

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const dynamodb = dynalite({ path: dynamodbPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamodbPort = await listen(dynamodb);
    closers.push(() => closeServer(dynamodb));

    const s3rver = new S3rver({ address: LOOPBACK, port: 0, directory: s3Directory, silent: true });
    const objectListeners = new Set<(event: S3ObjectCreatedEvent) => void>();
    s3rver.on('event', ({ Records }) => {
      for (const record of Records) {
        if (!record.eventName.startsWith('ObjectCreated:')) continue;
        const event = objectCreatedEvent(record);
        for (const listener of objectListeners) listener(event);
      }
    });
    const { port: s3rverPort } = await s3rver.run();
    closers.push(() => s3rver.close());

    const proxy = await startAwsChunkedProxy(s3rverPort);
    closers.push(() => proxy.close());

    let closing: Promise<void> | undefined;
    return {
      dynamodbEndpoint: `http://${LOOPBACK}:${dynamodbPort}`,
      s3Endpoint: `http://${LOOPBACK}:${proxy.port}`,
      onObjectCreated: (listener) => {
        objectListeners.add(listener);
        return () => objectListeners.delete(listener);
      },
      close: () => (closing ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The embedded S3 has no account and no versioning: its events name a placeholder account and no version. */
function objectCreatedEvent(record: S3rverEventRecord): S3ObjectCreatedEvent {
  const { bucket, object } = record.s3;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: LOCAL_ACCOUNT,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [`arn:aws:s3:::${bucket.name}`],
    detail: {
      version: '0',
      bucket: { name: bucket.name },
      object: { key: object.key, size: object.size, etag: object.eTag, sequencer: object.sequencer },
      'request-id': record.responseElements['x-amz-request-id'],
    },
  };
}

/** SDK client settings for the embedded servers; no real credentials are involved. */
export function embeddedClientConfig(endpoints: EmbeddedEndpoints): { s3: S3ClientConfig; dynamodb: DynamoDBClientConfig } {
  const region = 'us-east-1';
  return {
    s3: {
      endpoint: endpoints.s3Endpoint,
      region,
      // s3rver serves buckets by path and knows only the S3RVER key.
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // Stream bodies then go out plain rather than aws-chunked; the proxy is the second line of defence.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
    dynamodb: {
      endpoint: endpoints.dynamodbEndpoint,
      region,
      credentials: { accessKeyId: 'sluice-local', secretAccessKey: 'sluice-local' },
    },
  };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
