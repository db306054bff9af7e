import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import dynalite from 'dynalite';
import S3rver, { type S3rverEventRecord } from 's3rver';
import type { SigningCredentials } from '../../api/request-signature';
import type { S3ObjectCreatedEvent } from '../../core/source-change';
import { startAwsChunkedProxy } from './aws-chunked-proxy';
import type { EmbeddedEndpoints } from './embedded-stack';
import { refuseUpload } from './s3-request-checks';
import { ObjectVersions } from './s3-object-versions';
import { containFilesystemStore } from './s3rver-containment';
import { listenOnSocket, openSocketDirectory } from './socket-directory';

export interface EmbeddedServers extends EmbeddedEndpoints {
  /** Closes both servers and their stores. Calling it again returns the same promise. */
  close(): Promise<void>;
}

export interface EmbeddedServerOptions {
  onObjectCreated(event: S3ObjectCreatedEvent): void;
  /** Opens the upload endpoint: S3 on a free loopback port, for requests signed with these credentials. */
  uploadCredentials?: SigningCredentials;
}

const LOOPBACK = '127.0.0.1';
const LOCAL_ACCOUNT = '000000000000';
const SOCKETS = { dynamodb: 'dynamodb.sock', s3: 's3.sock', s3rver: 's3rver.sock' };

/**
 * Starts the local DynamoDB (dynalite) and S3 (s3rver) on this thread, with their data under
 * `dataDir` (`dynamodb/`, `s3/`). Only one process may own a data dir. `startEmbeddedStack` runs
 * this in a worker thread; nothing else should call it. The worker's bundle holds s3rver, but not
 * dynalite: dynalite requires its operations by computed names, and its LevelDB is a native module.
 *
 * Neither listens on a port: each serves a Unix socket (mode 0600) in a directory only this user
 * can enter (`<dataDir>/sockets`, or a private temp dir when that path is too long for a socket),
 * so no web page and no other user can reach them. S3 requests reach s3rver through a proxy that
 * refuses keys that would escape its directory and decodes `aws-chunked` bodies, so objects are
 * stored intact whatever the client's checksum settings. With `uploadCredentials`, a second such
 * proxy listens on a loopback port for uploads signed with them (`refuseUpload` says what it refuses).
 * Both proxies keep object versions in buckets with versioning enabled (`ObjectVersions`, under
 * `<dataDir>/s3-versions`), and the Object Created events of those buckets carry the version id.
 *
 * Do not page through listings: s3rver answers a truncated ListObjectsV2 with a 500, because its
 * continuation token uses a DES cipher that OpenSSL 3 disables (unless Node runs with
 * `--openssl-legacy-provider`). Listings of up to 1,000 keys come back whole.
 *
 * s3rver writes a PutObject's bytes straight into the object, so an interrupted upload leaves a
 * truncated object behind. Multipart uploads (what `Upload` does above 5 MB) only appear once
 * they complete.
 */
export async function startEmbeddedServers(dataDir: string, options: EmbeddedServerOptions): Promise<EmbeddedServers> {
  const dynamodbPath = path.join(dataDir, 'dynamodb');
  const s3Directory = path.join(dataDir, 's3');
  const versions = new ObjectVersions(path.join(dataDir, 's3-versions'));
  const route = versions.route.bind(versions);
  await mkdir(dynamodbPath, { recursive: true });
  await mkdir(s3Directory, { recursive: true });

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const sockets = await openSocketDirectory(dataDir, SOCKETS.s3rver);
    closers.push(() => sockets.remove());
    const socket = (name: keyof typeof SOCKETS) => path.join(sockets.path, SOCKETS[name]);

    const dynamodb = dynalite({ path: dynamodbPath, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await listenOnSocket(dynamodb, socket('dynamodb'));
    closers.push(() => closeServer(dynamodb));

    // Served from a server of ours rather than s3rver.run(), which would listen on a port; run()
    // otherwise only adds the buckets of `configureBuckets`, of which there are none.
    const s3rver = new S3rver({ directory: s3Directory, silent: true, vhostBuckets: false });
    containFilesystemStore(s3rver, s3Directory);
    s3rver.on('event', ({ Records }) => {
      for (const record of Records) {
        if (!record.eventName.startsWith('ObjectCreated:')) continue;
        // The event comes while the write is under way; in a versioned bucket, its version id comes once the write's copy is kept.
        void versions
          .versionBeingWritten(record.s3.bucket.name, record.s3.object.key)
          .then((versionId) => options.onObjectCreated(objectCreatedEvent(record, versionId)));
      }
    });
    const s3rverServer = http.createServer(s3rver.callback());
    await listenOnSocket(s3rverServer, socket('s3rver'));
    closers.push(async () => {
      await closeServer(s3rverServer);
      s3rver.logger.close();
    });

    const proxy = await startAwsChunkedProxy({ listen: { socketPath: socket('s3') }, upstreamSocket: socket('s3rver'), route });
    closers.push(() => proxy.close());

    let uploadEndpoint: string | undefined;
    const credentials = options.uploadCredentials;
    if (credentials) {
      const uploads = await startAwsChunkedProxy({
        listen: { port: 0, host: LOOPBACK },
        upstreamSocket: socket('s3rver'),
        admit: (request) => refuseUpload(request, credentials, new Date()),
        route,
      });
      closers.push(() => uploads.close());
      uploadEndpoint = `http://${LOOPBACK}:${(uploads.address as AddressInfo).port}`;
    }

    let closing: Promise<void> | undefined;
    return {
      dynamodbSocket: socket('dynamodb'),
      s3Socket: socket('s3'),
      s3UploadEndpoint: uploadEndpoint,
      close: () => (closing ??= closeAll()),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The embedded S3 has no account: its events name a placeholder account. */
function objectCreatedEvent(record: S3rverEventRecord, versionId: string | undefined): S3ObjectCreatedEvent {
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
      object: { key: object.key, size: object.size, etag: object.eTag, sequencer: object.sequencer, ...(versionId ? { 'version-id': versionId } : {}) },
      'request-id': record.responseElements['x-amz-request-id'],
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
