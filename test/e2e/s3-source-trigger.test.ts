import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { embeddedClientConfig } from '../../lib/adapters/local/embedded-stack';
import { zipDirectory } from '../../lib/artifacts/zip';
import type { ExecutionDetail } from '../../lib/operations/sluice-api';
import { killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';

jest.setTimeout(60_000);

const SOURCE_BUCKET = 'app-source';
const SOURCE_KEY = 'releases/app.zip';

let dataDir: string;
let serve: RunningCli;
let serveUrl: string;
let s3: S3Client;

function declare(name: string, bucket: string, key: string) {
  const file = path.join(dataDir, `${name}.json`);
  writeFileSync(file, JSON.stringify({
    name,
    stages: [
      { name: 'Source', actions: [{ name: 'Fetch', actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' }, configuration: { S3Bucket: bucket, S3ObjectKey: key, PollForSourceChanges: 'false' }, outputArtifacts: [{ name: 'Src' }] }] },
      { name: 'Build', actions: [{ name: 'Show', actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' }, commands: ['cat app.txt'], inputArtifacts: [{ name: 'Src' }] }] },
    ],
  }));
  expect(sluice(['create-pipeline', file, '--data-dir', dataDir]).code).toBe(0);
}

async function uploadZip(bucket: string, key: string, content: string): Promise<void> {
  const directory = mkdtempSync(path.join(dataDir, 'zip-'));
  writeFileSync(path.join(directory, 'app.txt'), content);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await buffer(zipDirectory(directory)), ContentType: 'application/zip' }));
}

function executionsOf(pipeline: string): { pipelineExecutionId: string; status: string }[] {
  const listed = sluice(['executions', pipeline, '--data-dir', dataDir, '--json']);
  expect(listed.code).toBe(0);
  return JSON.parse(listed.stdout).pipelineExecutionSummaries;
}

async function firstExecutionOf(pipeline: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const [execution] = executionsOf(pipeline);
    if (execution) return execution.pipelineExecutionId;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`No execution of ${pipeline} started. sluice serve printed:\n${serve.output()}`);
}

/** The execution as the loopback execution page gives it: the record, its stages and its actions. */
async function finishedExecution(executionId: string): Promise<ExecutionDetail> {
  const page = new URL(`/executions/${executionId}`, serveUrl).href;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const detail = (await (await fetch(page)).json()) as ExecutionDetail;
    if (detail.execution.status !== 'InProgress') return detail;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Execution ${executionId} did not end. sluice serve printed:\n${serve.output()}`);
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-s3-trigger-'));
  declare('reads-app', SOURCE_BUCKET, SOURCE_KEY);
  declare('reads-artifacts', 'sluice-artifacts', 'uploaded/app.zip');
  serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
  serveUrl = (await serve.waitFor(/ at (http\S+) \(Ctrl-C/))[1]!;
  const s3Endpoint = (await serve.waitFor(/Embedded S3: (http\S+)/))[1]!;
  s3 = new S3Client(embeddedClientConfig({ s3Endpoint, dynamodbEndpoint: '' }).s3);
  await s3.send(new CreateBucketCommand({ Bucket: SOURCE_BUCKET }));
});

afterAll(async () => {
  s3?.destroy();
  serve.child.kill('SIGINT');
  await serve.exit;
  killStartedSluice();
});

describe('a new object in the embedded S3 under sluice serve', () => {
  it('starts, once, the pipeline whose S3 source reads it, pinned to its key, and nothing for other keys or the artifact bucket', async () => {
    await uploadZip(SOURCE_BUCKET, 'releases/other.zip', 'other');
    await uploadZip('sluice-artifacts', 'uploaded/app.zip', 'an artifact');
    await uploadZip(SOURCE_BUCKET, SOURCE_KEY, 'uploaded');

    const { execution, actions } = await finishedExecution(await firstExecutionOf('reads-app'));

    expect(execution.status).toBe('Succeeded');
    expect(execution.trigger).toEqual({ triggerType: 'CloudWatchEvent', triggerDetail: expect.stringMatching(/^arn:aws:s3:::app-source, object releases\/app\.zip \(event [0-9a-f-]{36}\)$/) });
    // The embedded S3 keeps no versions, so the execution is pinned to the key.
    expect(execution.sourceRevisions).toEqual([{ actionName: 'Fetch', revisionType: 'S3_OBJECT_KEY', revisionValue: SOURCE_KEY }]);
    expect(actions.find((action) => action.actionName === 'Fetch')?.output?.outputVariables.ETag).toMatch(/^[0-9a-f]{32}$/);
    expect(sluice(['logs', execution.pipelineExecutionId, '--action', 'Show', '--data-dir', dataDir]).stdout).toContain('uploaded');
    // The other key, the artifact bucket and the execution's own artifacts and logs started nothing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(executionsOf('reads-app')).toHaveLength(1);
    expect(executionsOf('reads-artifacts')).toHaveLength(0);
  });
});
