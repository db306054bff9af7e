/**
 * The worker thread that `startEmbeddedStack` starts: it runs dynalite and s3rver, so that their
 * loading and their request handling keep off the thread that runs the pipeline.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startEmbeddedServers } from './embedded-servers';
import type { FromWorker, ToWorker, WorkerData } from './embedded-stack';

const parent = parentPort!;
const tell = (message: FromWorker) => parent.postMessage(message);

startEmbeddedServers((workerData as WorkerData).dataDir, (event) => tell({ kind: 'object-created', event })).then(
  (servers) => {
    parent.on('message', (message: ToWorker) => {
      if (message.kind !== 'close') return;
      servers.close().then(
        () => tell({ kind: 'closed' }),
        (error: Error) => tell({ kind: 'failed', message: `Closing the embedded servers failed: ${error.message}` }),
      );
    });
    tell({ kind: 'ready', endpoints: { dynamodbEndpoint: servers.dynamodbEndpoint, s3Endpoint: servers.s3Endpoint } });
  },
  (error: Error) => tell({ kind: 'failed', message: `The embedded DynamoDB and S3 did not start: ${error.message}` }),
);
