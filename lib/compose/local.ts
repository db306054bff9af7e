import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { actionProviders } from '../actions/registry';
import { DynamoDbExecutionStore } from '../adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../adapters/aws/execution-table';
import { S3BlobStore } from '../adapters/aws/s3-blob-store';
import { lockDataDir } from '../adapters/local/data-dir-lock';
import { startEmbeddedStack } from '../adapters/local/embedded-stack';
import { InProcessBus } from '../adapters/local/in-process-bus';
import { startLocalApiServer, type LocalApiServer } from '../adapters/local/local-api-server';
import { PipelineOperations } from '../operations/pipeline-operations';
import { ArtifactStore } from '../artifacts/artifact-store';
import { providerKey } from '../core/declaration';
import type { ExecutionDependencies } from '../execution/dependencies';
import { endExecution } from '../execution/end-execution';
import { DEFAULT_DATA_DIR } from './data-dir';
import { localClients } from './local-clients';

const TABLE_NAME = 'sluice';
const ARTIFACT_BUCKET = 'sluice-artifacts';
export const INTERRUPTED = 'interrupted: the process running it ended before it finished';

export interface LocalInstallation {
  dataDir: string;
  deps: ExecutionDependencies;
  bus: InProcessBus;
  s3Endpoint: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  dataDir?: string;
  /** The command that owns the data dir while it is open, shown to any other process. */
  command: string;
  onLog?: ExecutionDependencies['onLog'];
  /** Serve the local API, so that other commands on this data dir go through this process. */
  serveApi?: boolean;
}

/**
 * Opens the local installation in a data dir: takes ownership, starts the embedded DynamoDB and
 * S3, and marks executions that a dead process left InProgress as Failed ("interrupted").
 */
export async function openLocalInstallation(options: OpenOptions): Promise<LocalInstallation> {
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const lock = await lockDataDir(dataDir, options.command);
  const stack = await startEmbeddedStack(dataDir).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  const clients = localClients(stack);
  const documents = DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const bus = new InProcessBus();
  const blobs = new S3BlobStore(clients.s3);
  const deps: ExecutionDependencies = {
    store: new DynamoDbExecutionStore(documents, TABLE_NAME),
    events: bus,
    blobs,
    artifacts: new ArtifactStore(blobs),
    providers: new Map(actionProviders.map((provider) => [providerKey(provider.spec), provider])),
    artifactBucket: ARTIFACT_BUCKET,
    workspaceRoot: os.tmpdir(),
    clock: () => new Date(),
    newId: randomUUID,
    pipelineArn: (name) => `arn:aws:codepipeline:local:000000000000:${name}`,
    onLog: options.onLog,
  };
  let api: LocalApiServer | undefined;
  const close = async () => {
    await api?.close();
    clients.s3.destroy();
    clients.dynamodb.destroy();
    await stack.close();
    await lock.release();
  };
  try {
    await ensureExecutionTable(clients.dynamodb, TABLE_NAME);
    await blobs.ensureBucket(ARTIFACT_BUCKET);
    for (const execution of await deps.store.listExecutionsInProgress()) {
      const pipeline = { name: execution.pipelineName, version: execution.pipelineVersion, executionId: execution.pipelineExecutionId, variables: execution.variables };
      await endExecution(deps, pipeline, 'Failed', INTERRUPTED);
    }
    if (options.serveApi) {
      const token = randomBytes(24).toString('base64url');
      api = await startLocalApiServer(new PipelineOperations(deps), token);
      await lock.advertise({ url: api.url, token });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { dataDir, deps, bus, s3Endpoint: stack.s3Endpoint, close };
}
