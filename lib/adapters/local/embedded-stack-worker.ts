/**
 * The worker thread that `startEmbeddedStack` starts: it runs dynalite and s3rver, so that their
 * loading and their request handling keep off the thread that runs the pipeline.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startEmbeddedServers } from './embedded-servers';
import type { FromWorker, ToWorker, WorkerData } from './embedded-stack';
import { installationCredentials } from './installation-credentials';

const parent = parentPort!;
const tell = (message: FromWorker) => parent.postMessage(message);
const { dataDir, acceptUploads } = workerData as WorkerData;

const start = async () =>
  startEmbeddedServers(dataDir, {
    onObjectCreated: (event) => tell({ kind: 'object-created', event }),
    uploadCredentials: acceptUploads ? await installationCredentials(dataDir) : undefined,
  });

start().then(
  (servers) => {
    parent.on('message', (message: ToWorker) => {
      if (message.kind !== 'close') return;
      servers.close().then(
        () => tell({ kind: 'closed' }),
        (error: Error) => tell({ kind: 'failed', message: `Closing the embedded servers failed: ${error.message}` }),
      );
    });
    const { dynamodbSocket, s3Socket, s3UploadEndpoint } = servers;
    tell({ kind: 'ready', endpoints: { dynamodbSocket, s3Socket, s3UploadEndpoint } });
  },
  (error: Error) => tell({ kind: 'failed', message: `The embedded DynamoDB and S3 did not start: ${error.message}` }),
);
