import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetBucketLocationCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SdkAwsClients } from '../../lib/adapters/aws/aws-clients';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { ensureExecutionTable } from '../../lib/adapters/aws/execution-table';
import { ArtifactStore } from '../../lib/artifacts/artifact-store';
import { runnableProviders } from '../../lib/actions/action-providers';
import { createAwsDependencies } from '../../lib/compose/aws';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { runAction } from '../../lib/execution/action-steps';
import { startExecution } from '../../lib/execution/start-execution';
import type { OperationsDependencies } from '../../lib/operations/pipeline-operations';
import { s3SourceStage } from '../support/declarations';
import { ACCOUNT, motoClientConfig, motoEndpoint, motoResources, uniqueName } from './support/moto-clients';

/** This file's region pair: the stack's (home) region, and the one its cross-region action runs in. */
const HOME = 'eu-north-1';
const ACTION_REGION = 'ap-southeast-2';
const ACTION_REGION_KEY = `arn:aws:kms:${ACTION_REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/**
 * On AWS, an S3 deploy action with `region` in a pipeline with artifactStores: the action runner
 * copies its input into that region's artifact store, and the deploy reads it there and writes
 * with S3 of that region.
 */
describe('a cross-region S3 deploy, on moto', () => {
  const config = { ...motoClientConfig(), region: HOME };
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const regionalS3 = new S3Client({ ...config, region: ACTION_REGION, forcePathStyle: true });
  const eventBridge = new EventBridgeClient(config);
  const sns = new SNSClient(config);
  const sfn = new SFNClient(config);
  const homeBucket = uniqueName('webapp-north');
  const regionalBucket = uniqueName('webapp-sydney');
  const siteBucket = uniqueName('site-sydney');
  let deps: OperationsDependencies;

  beforeAll(async () => {
    // As in the action runner: the SDK's own variables name the endpoint and the credentials of the clients it builds.
    Object.assign(process.env, { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    const table = uniqueName('sluice-xregion');
    const busName = uniqueName('sluice-xregion');
    await ensureExecutionTable(dynamodb, table);
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
    await new S3BlobStore(s3).ensureBucket(homeBucket);
    await new S3BlobStore(regionalS3).ensureBucket(regionalBucket);
    const documents = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    deps = createAwsDependencies(
      { ...motoResources(HOME, table, busName), artifactBucket: uniqueName('sluice-artifacts') },
      { documents, s3, eventBridge, sfn, sns },
      { awsClients: new SdkAwsClients(HOME), providers: runnableProviders() },
    );
  });

  afterAll(() => {
    for (const client of [dynamodb, s3, regionalS3, eventBridge, sns, sfn]) client.destroy();
  });

  it('reads the input from the artifact store of its region, encrypted with its key, and deploys with S3 of that region', async () => {
    const site = mkdtempSync(path.join(os.tmpdir(), 'sluice-xregion-site-'));
    writeFileSync(path.join(site, 'index.html'), '<h1>Sydney</h1>');
    const input = await new ArtifactStore(new S3BlobStore(s3)).storeArtifact({
      bucketName: homeBucket,
      pipelineName: 'webapp',
      artifactName: 'Site',
      directory: site,
    });
    const deploy: ActionDeclaration = {
      name: 'PublishSydney',
      actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
      region: ACTION_REGION,
      configuration: { BucketName: siteBucket, Extract: 'true' },
      inputArtifacts: [{ name: 'Site' }],
    };
    const pipeline: PipelineDeclaration = {
      name: 'webapp',
      artifactStores: {
        [HOME]: { type: 'S3', location: homeBucket },
        [ACTION_REGION]: { type: 'S3', location: regionalBucket, encryptionKey: { id: ACTION_REGION_KEY, type: 'KMS' } },
      },
      stages: [s3SourceStage({ bucket: 'unused', key: 'unused.zip' }), { name: 'Deploy', actions: [deploy] }],
    };
    const { pipeline: ref } = await startExecution(deps, { pipeline, version: 1, trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'test' } });
    expect(ref.regionalArtifactStores).toEqual({ [ACTION_REGION]: { bucketName: regionalBucket, kmsKeyId: ACTION_REGION_KEY } });

    await runAction(
      deps,
      { step: 'runAction', pipeline: ref, stage: 'Deploy', action: deploy, inputArtifacts: [{ name: 'Site', location: input }], namespaces: {} },
      new AbortController().signal,
    );

    const copy = await regionalS3.send(new HeadObjectCommand({ Bucket: regionalBucket, Key: input.objectKey }));
    expect({ sse: copy.ServerSideEncryption, kmsKey: copy.SSEKMSKeyId }).toEqual({ sse: 'aws:kms', kmsKey: ACTION_REGION_KEY });
    expect((await regionalS3.send(new GetBucketLocationCommand({ Bucket: siteBucket }))).LocationConstraint).toBe(ACTION_REGION);
    const page = await regionalS3.send(new GetObjectCommand({ Bucket: siteBucket, Key: 'index.html' }));
    expect(await page.Body!.transformToString()).toBe('<h1>Sydney</h1>');

    const record = (await deps.store.listActions(ref.executionId)).find((action) => action.actionName === deploy.name)!;
    expect({ status: record.status, region: record.input.region }).toEqual({ status: 'Succeeded', region: ACTION_REGION });
    const log = await text((await deps.blobs.get(record.logLocation!)).body);
    expect(log).toContain(`Copied input artifact Site to s3://${regionalBucket}/${input.objectKey}, the artifact store of ${ACTION_REGION}`);
    expect(record.logLocation!.bucketName).toBe(homeBucket);
  });
});
