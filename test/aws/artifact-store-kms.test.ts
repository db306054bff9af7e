import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { zipDirectory } from '../../lib/artifacts/zip';
import { runnableProviders } from '../../lib/actions/action-providers';
import { createAwsDependencies } from '../../lib/compose/aws';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { runAction } from '../../lib/execution/action-steps';
import { startExecution } from '../../lib/execution/start-execution';
import type { OperationsDependencies } from '../../lib/operations/pipeline-operations';
import { s3SourceStage } from '../support/declarations';
import { ACCOUNT, REGION, motoClientConfig, motoResources, uniqueName } from './support/moto-clients';

const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** On AWS, a pipeline's artifactStore with a KMS key: the action runner writes its artifacts and logs there, with that key. */
describe('an artifact store with a KMS key, on moto', () => {
  const config = motoClientConfig();
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const eventBridge = new EventBridgeClient(config);
  const sns = new SNSClient(config);
  const sfn = new SFNClient(config);
  const installationBucket = uniqueName('sluice-artifacts');
  const ownBucket = uniqueName('webapp-artifacts');
  const source = { bucketName: uniqueName('sluice-sources'), objectKey: 'webapp.zip' };
  let deps: OperationsDependencies;

  beforeAll(async () => {
    const table = uniqueName('sluice-kms');
    const busName = uniqueName('sluice-kms');
    await ensureExecutionTable(dynamodb, table);
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    const blobs = new S3BlobStore(s3);
    for (const bucket of [installationBucket, ownBucket, source.bucketName]) await blobs.ensureBucket(bucket);
    const app = mkdtempSync(path.join(os.tmpdir(), 'sluice-kms-app-'));
    writeFileSync(path.join(app, 'app.txt'), 'v1');
    await blobs.put(source, await buffer(zipDirectory(app)));
    const documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    deps = createAwsDependencies(
      { ...motoResources(REGION, table, busName), artifactBucket: installationBucket },
      { documents, s3, eventBridge, sfn, sns },
      { providers: runnableProviders() },
    );
  });

  afterAll(() => {
    for (const client of [dynamodb, s3, eventBridge, sns, sfn]) client.destroy();
  });

  it("writes the S3 source's output artifact and its log to the declared bucket, encrypted with the declared key", async () => {
    const sourceStage = s3SourceStage({ bucket: source.bucketName, key: source.objectKey });
    const pipeline: PipelineDeclaration = {
      name: 'webapp',
      artifactStore: { type: 'S3', location: ownBucket, encryptionKey: { id: KEY_ARN, type: 'KMS' } },
      stages: [sourceStage, { name: 'Build', actions: [] }],
    };
    const { pipeline: ref } = await startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } });

    const result = await runAction(
      deps,
      { step: 'runAction', pipeline: ref, stage: 'Source', action: sourceStage.actions[0]!, inputArtifacts: [], namespaces: {} },
      new AbortController().signal,
    );
    if ('inProgress' in result) throw new Error('the S3 source is done in one run');

    const [artifact] = result.artifacts;
    expect(artifact?.bucketName).toBe(ownBucket);
    const record = (await deps.store.listActions(ref.executionId)).find((action) => action.actionName === sourceStage.actions[0]!.name);
    expect(record?.logLocation?.bucketName).toBe(ownBucket);
    for (const location of [artifact!, record!.logLocation!]) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucketName, Key: location.objectKey }));
      expect({ key: location.objectKey, sse: head.ServerSideEncryption, kmsKey: head.SSEKMSKeyId }).toEqual({
        key: location.objectKey,
        sse: 'aws:kms',
        kmsKey: KEY_ARN,
      });
    }
    expect(await new S3BlobStore(s3).listKeys(installationBucket, '')).toEqual([]);
  });
});
