/**
 * The worker thread that `startEmbeddedStack` starts: it runs dynalite and s3rver, so that their
 * loading and their request handling keep off the thread that runs the pipeline. It loads its
 * modules at once, and starts the servers when told which data dir is theirs.
 */
import { parentPort } from 'node:worker_threads';
import { startEmbeddedServers, type EmbeddedServers } from './embedded-servers';
import type { FromWorker, StackStart, ToWorker } from './embedded-stack';
import { installationCredentials } from './installation-credentials';

const parent = parentPort!;
const tell = (message: FromWorker) => parent.postMessage(message);

const start = async ({ dataDir, acceptUploads }: StackStart) =>
  startEmbeddedServers(dataDir, {
    onObjectCreated: (event) => tell({ kind: 'object-created', event }),
    uploadCredentials: acceptUploads ? await installationCredentials(dataDir) : undefined,
  });

const close = (servers: EmbeddedServers) =>
  servers.close().then(
    () => tell({ kind: 'closed' }),
    (error: Error) => tell({ kind: 'failed', message: `Closing the embedded servers failed: ${error.message}` }),
  );

parent.on('message', (message: ToWorker) => {
  if (message.kind !== 'start') return;
  start(message.stack).then(
    (servers) => {
      parent.on('message', (next: ToWorker) => {
        if (next.kind === 'close') void close(servers);
      });
      const { dynamodbSocket, s3Socket, s3UploadEndpoint } = servers;
      tell({ kind: 'ready', endpoints: { dynamodbSocket, s3Socket, s3UploadEndpoint } });
    },
    (error: Error) => tell({ kind: 'failed', message: `The embedded DynamoDB and S3 did not start: ${error.message}` }),
  );
});
