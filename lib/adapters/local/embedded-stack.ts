import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3ObjectCreatedEvent } from '../../core/source-change';
import { packageRoot } from './package-root';

/** Where the embedded servers listen. */
export interface EmbeddedEndpoints {
  /** The Unix socket of the DynamoDB API, for Sluice alone. */
  dynamodbSocket: string;
  /** The Unix socket of the S3 API, for Sluice alone. */
  s3Socket: string;
  /**
   * The S3 API on a loopback port, for requests signed with the installation's credentials: uploads,
   * and the artifacts of Lambda functions run from handler files; when asked for.
   */
  s3UploadEndpoint?: string;
}

export interface EmbeddedStackOptions {
  /** Also serve the signed S3 endpoint, for the credentials in the data dir (`installationCredentials`). */
  acceptUploads?: boolean;
}

export interface EmbeddedStack extends EmbeddedEndpoints {
  /**
   * Calls `listener` with S3's Object Created event, in the shape EventBridge delivers it, for each
   * object written to the embedded S3 (put, copied, or uploaded in parts), once it is stored.
   * Returns what stops the calls.
   */
  onObjectCreated(listener: (event: S3ObjectCreatedEvent) => void): () => void;
  /** Closes both servers and their stores. Calling it again returns the same promise. */
  close(): Promise<void>;
}

/** The worker's bundle, which `npm run build` writes beside the CLI's. */
const EMBEDDED_STACK_WORKER = path.join('dist', 'embedded-stack-worker.cjs');

/** Which data dir the worker serves, and how. */
export interface StackStart extends EmbeddedStackOptions {
  dataDir: string;
}
export type ToWorker = { kind: 'start'; stack: StackStart } | { kind: 'close' };
export type FromWorker =
  | { kind: 'ready'; endpoints: EmbeddedEndpoints }
  | { kind: 'object-created'; event: S3ObjectCreatedEvent }
  | { kind: 'closed' }
  | { kind: 'failed'; message: string };
type Reply = Exclude<FromWorker, { kind: 'object-created' }>;

/** The worker thread, listened to from its first moment, so that a failure while it loads is kept for whoever starts it. */
interface StackWorker {
  worker: Worker;
  objectListeners: Set<(event: S3ObjectCreatedEvent) => void>;
  /** The worker's next reply, or its failure, or its end. */
  reply: () => Promise<Reply>;
  exited: () => boolean;
  failure: () => Error | undefined;
}

function spawnStackWorker(): StackWorker {
  const file = path.join(packageRoot(), EMBEDDED_STACK_WORKER);
  if (!existsSync(file)) throw new Error(`${file} is missing; \`npm run build\` writes it (npm install runs it).`);
  const worker = new Worker(file);
  const objectListeners = new Set<(event: S3ObjectCreatedEvent) => void>();
  let awaitingReply: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | undefined;
  worker.on('message', (message: FromWorker) => {
    if (message.kind === 'object-created') for (const listener of objectListeners) listener(message.event);
    else awaitingReply?.resolve(message);
  });
  // A worker that fails (or ends) fails whatever waits on it; its requests then find no server.
  let failure: Error | undefined;
  let exitCode: number | undefined;
  const endError = () => failure ?? new Error(`The embedded stack's worker ended (exit code ${exitCode}).`);
  worker.on('error', (error) => {
    failure = error;
    awaitingReply?.reject(error);
  });
  worker.on('exit', (code) => {
    exitCode = code;
    awaitingReply?.reject(endError());
  });
  return {
    worker,
    objectListeners,
    reply: () => (exitCode === undefined ? new Promise<Reply>((resolve, reject) => (awaitingReply = { resolve, reject })) : Promise.reject(endError())),
    exited: () => exitCode !== undefined,
    failure: () => failure,
  };
}

/** A worker that `preloadEmbeddedStack` started, for the next `startEmbeddedStack`. */
let preloaded: StackWorker | undefined;

/**
 * Starts the embedded stack's worker thread loading its modules, before any data dir is claimed, so
 * that a command about to start the stack (`sluice run`) loads it while it loads and validates
 * the pipeline itself: loading the servers' modules is most of the stack's start. The worker
 * touches no data dir until `startEmbeddedStack` gives it one, and while unused it does not keep
 * the process alive.
 */
export function preloadEmbeddedStack(): void {
  preloaded ??= spawnStackWorker();
  preloaded.worker.unref();
}

/**
 * Starts the local DynamoDB (dynalite) and S3 (s3rver) on Unix sockets private to this user, with
 * their data under `dataDir` (`dynamodb/`, `s3/`); embedded-servers.ts says what they can and cannot do.
 * They run in a worker thread: loading them (a third of a second) overlaps the caller's own start,
 * and serving them takes no time from the thread that runs the pipeline. Only one process may own
 * a data dir.
 *
 * @example
 * const stack = await startEmbeddedStack('.sluice');
 * const { s3, dynamodb } = localClients(stack);
 * // ...
 * await stack.close();
 */
export async function startEmbeddedStack(dataDir: string, options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> {
  const stackWorker = preloaded ?? spawnStackWorker();
  preloaded = undefined;
  const { worker, objectListeners, reply } = stackWorker;
  worker.ref();
  const starting = reply();
  worker.postMessage({ kind: 'start', stack: { dataDir, ...options } } satisfies ToWorker);
  const started = await starting.catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  if (started.kind !== 'ready') {
    await worker.terminate();
    throw new Error(started.kind === 'failed' ? started.message : `The embedded stack's worker answered ${started.kind} to its start.`);
  }
  let closing: Promise<void> | undefined;
  const close = async () => {
    objectListeners.clear();
    if (stackWorker.exited()) {
      const failure = stackWorker.failure();
      if (failure) throw failure;
      return;
    }
    const closed = reply();
    worker.postMessage({ kind: 'close' } satisfies ToWorker);
    const ended = await closed;
    await worker.terminate();
    if (ended.kind === 'failed') throw new Error(ended.message);
  };
  return {
    ...started.endpoints,
    onObjectCreated: (listener) => {
      objectListeners.add(listener);
      return () => objectListeners.delete(listener);
    },
    close: () => (closing ??= close()),
  };
}

/**
 * SDK client settings for the embedded servers, less how to reach them (local-clients.ts gives
 * the clients a handler that dials their sockets). No real credentials are involved: only Sluice
 * can reach the sockets, and the S3 proxy is the only one that looks at a signature.
 */
export function embeddedClientConfig(): { s3: S3ClientConfig; dynamodb: DynamoDBClientConfig } {
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'sluice-local', secretAccessKey: 'sluice-local' };
  // The host names nothing: requests go down the socket. `localhost` keeps s3rver on path-style buckets.
  const endpoint = 'http://localhost';
  return {
    s3: {
      endpoint,
      region,
      forcePathStyle: true,
      credentials,
      // Stream bodies then go out plain rather than aws-chunked; the proxy is the second line of defence.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
    dynamodb: { endpoint, region, credentials },
  };
}
