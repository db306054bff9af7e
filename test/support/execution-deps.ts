import { randomBytes } from 'node:crypto';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ActionProvider, AnyActionProvider } from '../../lib/actions/action-provider';
import { gitSource } from '../../lib/actions/git-source';
import { DynamoDbApprovalStore } from '../../lib/adapters/aws/dynamodb-approval-store';
import { DynamoDbAuditLog } from '../../lib/adapters/aws/dynamodb-audit-log';
import { DynamoDbCustomActionStore } from '../../lib/adapters/aws/dynamodb-custom-action-store';
import { DynamoDbStageLocks } from '../../lib/adapters/aws/dynamodb-stage-locks';
import { DynamoDbExecutionStore } from '../../lib/adapters/aws/dynamodb-execution-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { InProcessBus } from '../../lib/adapters/local/in-process-bus';
import { LocalTaskCallbacks } from '../../lib/adapters/local/local-task-callbacks';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import { providerKey } from '../../lib/core/declaration';
import type { PipelineEvent } from '../../lib/core/events';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import type { OperationsDependencies } from '../../lib/operations/pipeline-operations';
import type { TestStack } from './embedded-stack';

const TEST_TABLE = 'sluice';
export const TEST_ARTIFACT_BUCKET = 'sluice-artifacts';
const TEST_START_TIME = Date.parse('2025-01-01T00:00:00.000Z');

export interface TestExecutionDependencies {
  deps: ExecutionDependencies & { callbacks: LocalTaskCallbacks };
  /** The bus of `deps.events`, for rules and subscribers of a test's own. */
  bus: InProcessBus;
  /** Every event published so far, in order. */
  events: PipelineEvent[];
}

/**
 * ExecutionDependencies on the test stack: the DynamoDB store and the S3 artifacts that the local
 * runtime uses, an in-process bus whose events are kept, a clock that moves one second each time
 * it is read, and numbered ids, so that every run of a test sees the same times and ids.
 */
export async function testExecutionDependencies(
  test: TestStack,
  options: { providers: readonly AnyActionProvider[]; workspaceRoot: string },
): Promise<TestExecutionDependencies> {
  await ensureExecutionTable(test.clients.dynamodb, TEST_TABLE);
  const blobs = new S3BlobStore(test.clients.s3);
  await blobs.ensureBucket(TEST_ARTIFACT_BUCKET);
  const documents = DynamoDBDocumentClient.from(test.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const events: PipelineEvent[] = [];
  const bus = new InProcessBus();
  bus.subscribe((event) => {
    events.push(event);
  });
  let ticks = 0;
  let ids = 0;
  const deps: TestExecutionDependencies['deps'] = {
    store: new DynamoDbExecutionStore(documents, TEST_TABLE),
    locks: new DynamoDbStageLocks(documents, TEST_TABLE),
    callbacks: new LocalTaskCallbacks(),
    events: bus,
    blobs,
    artifacts: new ArtifactStore(blobs, { newArtifactId: () => `artifact-${String(++ids).padStart(4, '0')}` }),
    providers: new Map(options.providers.map((provider) => [providerKey(provider.spec), provider])),
    artifactBucket: TEST_ARTIFACT_BUCKET,
    workspaceRoot: options.workspaceRoot,
    clock: () => new Date(TEST_START_TIME + 1000 * ticks++),
    newId: () => `id-${String(++ids).padStart(4, '0')}`,
    pipelineArn: (name) => `arn:aws:codepipeline:us-east-1:000000000000:${name}`,
  };
  return { deps, bus, events };
}

/** What approvals add to ExecutionDependencies, on the test stack's table, as a local installation has them. */
export function testApprovalDependencies(test: TestStack): Pick<OperationsDependencies, 'approvals' | 'approvalUrl' | 'newSecret' | 'customActions' | 'audit'> {
  const documents = DynamoDBDocumentClient.from(test.clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return {
    approvals: new DynamoDbApprovalStore(documents, TEST_TABLE),
    customActions: new DynamoDbCustomActionStore(documents, TEST_TABLE),
    audit: new DynamoDbAuditLog(documents, TEST_TABLE),
    approvalUrl: (id) => `http://127.0.0.1/approvals/${id}`,
    newSecret: () => randomBytes(24).toString('base64url'),
  };
}

/** A git checkout that fetches nothing: its artifact's location is never read by the builds of the tests that use it. */
export const unreadCheckout: ActionProvider = {
  spec: gitSource.spec,
  run: async () => ({ outputArtifacts: [{ bucketName: TEST_ARTIFACT_BUCKET, objectKey: 'never-read.zip' }], outputVariables: {} }),
};

/**
 * What the operations need on the test stack, as a local installation has it: the execution steps
 * with `providers`, approvals, the bus as the event feed, and random ids, so that executions of
 * one test never meet another's. With the events published so far, in order.
 */
export async function testOperationsDependencies(
  test: TestStack,
  options: { providers: readonly AnyActionProvider[]; workspaceRoot: string },
): Promise<{ deps: OperationsDependencies & TestExecutionDependencies['deps']; events: PipelineEvent[] }> {
  const { deps, bus, events } = await testExecutionDependencies(test, options);
  return { deps: { ...deps, eventFeed: bus, newId: () => randomBytes(8).toString('hex'), ...testApprovalDependencies(test) }, events };
}
