import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import dynalite from 'dynalite';
import S3rver, { type S3rverEventRecord } from 's3rver';
import type { S3ObjectCreatedEvent } from '../../core/source-change';
import { startAwsChunkedProxy } from './aws-chunked-proxy';
import type { EmbeddedEndpoints } from './embedded-stack';

export interface EmbeddedServers extends EmbeddedEndpoints {
  /** Closes both servers and their stores. Calling it again returns the same promise. */
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const LOCAL_ACCOUNT = '000000000000';

/**
 * Starts the local DynamoDB (dynalite) and S3 (s3rver) on this thread, each on a free loopback
 * port, with their data under `dataDir` (`dynamodb/`, `s3/`). Only one process may own a data dir.
 * `startEmbeddedStack` runs this in a worker thread; nothing else should call it. The worker's
 * bundle holds s3rver, but not dynalite: dynalite requires its operations by computed names, and
 * its LevelDB is a native module.
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
 */
export async function startEmbeddedServers(dataDir: string, onObjectCreated: (event: S3ObjectCreatedEvent) => void): Promise<EmbeddedServers> {
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
    s3rver.on('event', ({ Records }) => {
      for (const record of Records) if (record.eventName.startsWith('ObjectCreated:')) onObjectCreated(objectCreatedEvent(record));
    });
    const { port: s3rverPort } = await s3rver.run();
    closers.push(() => s3rver.close());

    const proxy = await startAwsChunkedProxy(s3rverPort);
    closers.push(() => proxy.close());

    let closing: Promise<void> | undefined;
    return {
      dynamodbEndpoint: `http://${LOOPBACK}:${dynamodbPort}`,
      s3Endpoint: `http://${LOOPBACK}:${proxy.port}`,
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
