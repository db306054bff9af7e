import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { zipDirectory } from '../../lib/artifacts/zip';
import { commandsOnSource } from '../support/declarations';
import { ROOT } from '../support/fixtures';
import { createPipeline, finishedExecution, killStartedSluice, sluice, startSluice, until, writeDeclaration, type RunningCli } from '../support/cli';

jest.setTimeout(60_000);

const SOURCE_BUCKET = 'app-source';
const SOURCE_KEY = 'releases/app.zip';
const POLLED_KEY = 'releases/polled.zip';
const VERSIONED_BUCKET = 'versioned-source';

let dataDir: string;
let serve: RunningCli;
let serveUrl: string;
let uploadEndpoint: string;

function declare(name: string, bucket: string, key: string, pollForSourceChanges = 'false') {
  createPipeline(dataDir, {
    name,
    stages: [
      {
        name: 'Source',
        actions: [
          {
            name: 'Fetch',
            actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
            configuration: { S3Bucket: bucket, S3ObjectKey: key, PollForSourceChanges: pollForSourceChanges },
            outputArtifacts: [{ name: 'Src' }],
          },
        ],
      },
      { name: 'Build', actions: [commandsOnSource('Show', ['cat app.txt'])] },
    ],
  });
}

/** A zip of one file, app.txt. */
async function zipOf(content: string): Promise<string> {
  const directory = mkdtempSync(path.join(dataDir, 'zip-'));
  writeFileSync(path.join(directory, 'app.txt'), content);
  const file = `${directory}.zip`;
  writeFileSync(file, await buffer(zipDirectory(directory)));
  return file;
}

/** Runs a shell script as the README tells users to, with only the AWS settings that `sluice credentials` gives. */
function shell(script: string): { code: number | null; output: string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  const result = spawnSync('bash', ['-c', script], {
    env: {
      ...env,
      SLUICE: `${process.execPath} ${path.join(ROOT, 'dist/sluice.cjs')}`,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, output: result.stdout + result.stderr };
}

/** Uploads with the real aws CLI, signed with the installation's credentials. */
async function uploadZip(bucket: string, key: string, content: string): Promise<void> {
  const file = await zipOf(content);
  const upload = shell(`eval "$($SLUICE credentials --data-dir '${dataDir}')" && aws s3 cp '${file}' 's3://${bucket}/${key}'`);
  expect(upload).toEqual({ code: 0, output: expect.stringContaining('upload:') });
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

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-s3-trigger-'));
  declare('reads-app', SOURCE_BUCKET, SOURCE_KEY);
  declare('reads-artifacts', 'sluice-artifacts', 'uploaded/app.zip');
  declare('polled', SOURCE_BUCKET, POLLED_KEY, 'true');
  declare('reads-versions', VERSIONED_BUCKET, SOURCE_KEY);
  serve = startSluice(['serve', '--port', '0', '--quiet', '--poll-interval', '1', '--data-dir', dataDir]);
  serveUrl = (await serve.waitFor(/ at (http\S+) \(Ctrl-C/))[1]!;
  uploadEndpoint = (await serve.waitFor(/Embedded S3 uploads: (http\S+)/))[1]!;
  expect(shell(`eval "$($SLUICE credentials --data-dir '${dataDir}')" && aws s3 mb s3://${SOURCE_BUCKET}`).code).toBe(0);
  // CodePipeline wants its S3 source buckets versioned; users enable it as on AWS.
  const versioned = shell(
    `eval "$($SLUICE credentials --data-dir '${dataDir}')" && aws s3 mb s3://${VERSIONED_BUCKET} && ` +
      `aws s3api put-bucket-versioning --region us-east-1 --bucket ${VERSIONED_BUCKET} --versioning-configuration Status=Enabled`,
  );
  expect(versioned.code).toBe(0);
});

/** The version id the object at `key` of the versioned bucket is at now, as the aws CLI reads it. */
function currentVersionId(key: string): string {
  const head = shell(
    `eval "$($SLUICE credentials --data-dir '${dataDir}')" && aws s3api head-object --region us-east-1 --bucket ${VERSIONED_BUCKET} --key ${key} --query VersionId --output text`,
  );
  expect(head.code).toBe(0);
  return head.output.trim();
}

/** Starts reads-versions through the CodePipeline API of sluice serve, with the aws CLI, pinned to `versionId`. */
function startPinnedTo(versionId: string): { code: number | null; output: string } {
  return shell(
    `eval "$($SLUICE credentials --data-dir '${dataDir}')" && aws codepipeline start-pipeline-execution --region us-east-1 --endpoint-url '${serveUrl}' ` +
      `--name reads-versions --source-revisions actionName=Fetch,revisionType=S3_OBJECT_VERSION_ID,revisionValue=${versionId} --query pipelineExecutionId --output text`,
  );
}

afterAll(async () => {
  await serve.interrupt();
  killStartedSluice();
});

describe('sluice credentials', () => {
  it("prints the installation's credentials, the same each time and kept readable by this user only, and the upload endpoint of the serve that runs", () => {
    const first = sluice(['credentials', '--data-dir', dataDir]);
    const second = sluice(['credentials', '--data-dir', dataDir]);

    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^export AWS_ACCESS_KEY_ID=SLUI[A-Z2-7]{16}\nexport AWS_SECRET_ACCESS_KEY=[A-Za-z0-9_-]{40}\nexport AWS_ENDPOINT_URL_S3=http:\/\/127\.0\.0\.1:\d+\n$/,
    );
    expect(first.stdout).toContain(`AWS_ENDPOINT_URL_S3=${uploadEndpoint}\n`);
    expect(second.stdout).toBe(first.stdout);
    expect(statSync(path.join(dataDir, 'credentials.json')).mode & 0o777).toBe(0o600);
  });

  it('prints only the credentials, and says why on stderr, when no serve runs on the data dir', () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'sluice-credentials-'));
    const printed = sluice(['credentials', '--data-dir', elsewhere]);

    expect(printed.code).toBe(0);
    expect(printed.stdout.split('\n')).toEqual([
      expect.stringMatching(/^export AWS_ACCESS_KEY_ID=/),
      expect.stringMatching(/^export AWS_SECRET_ACCESS_KEY=/),
      '',
    ]);
    expect(printed.stderr).toContain('No sluice serve runs on');
  });
});

describe('the S3 upload endpoint of sluice serve', () => {
  it('refuses an upload signed with other credentials, and it starts nothing', async () => {
    const s3 = new S3Client({
      endpoint: uploadEndpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      const put = s3.send(new PutObjectCommand({ Bucket: SOURCE_BUCKET, Key: SOURCE_KEY, Body: 'not a zip' }));
      await expect(put).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
      await expect(s3.send(new CreateBucketCommand({ Bucket: 'made-by-a-stranger' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    } finally {
      s3.destroy();
    }
    expect(executionsOf('reads-app')).toHaveLength(0);
  });
});

describe('a new object in the embedded S3 under sluice serve', () => {
  it('starts, once, the pipeline whose S3 source reads it, pinned to its key, and nothing for other keys or the artifact bucket', async () => {
    await uploadZip(SOURCE_BUCKET, 'releases/other.zip', 'other');
    await uploadZip('sluice-artifacts', 'uploaded/app.zip', 'an artifact');
    await uploadZip(SOURCE_BUCKET, SOURCE_KEY, 'uploaded');

    const { execution, actions } = await finishedExecution(serve, serveUrl, await firstExecutionOf('reads-app'));

    expect(execution.status).toBe('Succeeded');
    expect(execution.trigger).toEqual({
      triggerType: 'CloudWatchEvent',
      triggerDetail: expect.stringMatching(/^arn:aws:s3:::app-source, object releases\/app\.zip \(event [0-9a-f-]{36}\)$/),
    });
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

describe('an S3 source with PollForSourceChanges true under sluice serve --poll-interval 1', () => {
  it('starts on the new object that a poll finds, not on its upload event, pinned to the key', async () => {
    await serve.waitFor(/polled\/Fetch: polling its source, which has no revision yet/);

    await uploadZip(SOURCE_BUCKET, POLLED_KEY, 'polled');
    const executionId = (await serve.waitFor(/polled\/Fetch: s3:\/\/app-source\/releases\/polled\.zip with ETag [0-9a-f]{32} started execution (\S+)/))[1]!;

    const { execution } = await finishedExecution(serve, serveUrl, executionId);
    expect(execution.status).toBe('Succeeded');
    expect(execution.trigger).toEqual({
      triggerType: 'PollForSourceChanges',
      triggerDetail: expect.stringMatching(/^s3:\/\/app-source\/releases\/polled\.zip with ETag [0-9a-f]{32}$/),
    });
    expect(execution.sourceRevisions).toEqual([{ actionName: 'Fetch', revisionType: 'S3_OBJECT_KEY', revisionValue: POLLED_KEY }]);
    expect(sluice(['logs', execution.pipelineExecutionId, '--action', 'Show', '--data-dir', dataDir]).stdout).toContain('polled');
    // The upload's event, which starts the other pipeline, left this one to the poll.
    expect(executionsOf('polled')).toHaveLength(1);
  });
});

describe('an S3 source on a bucket with versioning enabled, under sluice serve', () => {
  let firstVersion: string;

  it('starts the pipeline on an upload with the aws CLI, pinned to the version it made', async () => {
    await uploadZip(VERSIONED_BUCKET, SOURCE_KEY, 'first upload');
    firstVersion = currentVersionId(SOURCE_KEY);
    expect(firstVersion).toMatch(/^[A-Za-z0-9_-]{32}$/);

    const { execution, actions } = await finishedExecution(serve, serveUrl, await firstExecutionOf('reads-versions'));

    expect(execution.status).toBe('Succeeded');
    expect(execution.sourceRevisions).toEqual([{ actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: firstVersion }]);
    const fetch = actions.find((action) => action.actionName === 'Fetch');
    expect(fetch?.output?.outputVariables).toEqual({ VersionId: firstVersion, ETag: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(sluice(['logs', execution.pipelineExecutionId, '--action', 'Show', '--data-dir', dataDir]).stdout).toContain('first upload');
  });

  it('reads the first version in an execution pinned to it, after a second upload of the key', async () => {
    await uploadZip(VERSIONED_BUCKET, SOURCE_KEY, 'second upload');
    const secondVersion = currentVersionId(SOURCE_KEY);
    expect(secondVersion).not.toBe(firstVersion);
    // The upload started its own execution, pinned to the second version.
    const [latest] = await until(() => (executionsOf('reads-versions').length === 2 ? executionsOf('reads-versions') : undefined), 'a second execution', serve);
    const byUpload = await finishedExecution(serve, serveUrl, latest!.pipelineExecutionId);
    expect(byUpload.execution.sourceRevisions).toEqual([{ actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: secondVersion }]);

    const started = startPinnedTo(firstVersion);
    expect(started.code).toBe(0);
    const { execution, actions } = await finishedExecution(serve, serveUrl, started.output.trim());

    expect([execution.status, actions.map((action) => action.errorDetails?.message)]).toEqual(['Succeeded', [undefined, undefined]]);
    expect(execution.sourceRevisions).toEqual([{ actionName: 'Fetch', revisionType: 'S3_OBJECT_VERSION_ID', revisionValue: firstVersion }]);
    const shown = sluice(['logs', execution.pipelineExecutionId, '--action', 'Show', '--data-dir', dataDir]).stdout;
    expect(shown).toContain('first upload');
    expect(shown).not.toContain('second upload');
  });

  it('fails an execution pinned to a version that does not exist, saying so', async () => {
    const started = startPinnedTo('N'.repeat(32));
    expect(started.code).toBe(0);
    const { execution, actions } = await finishedExecution(serve, serveUrl, started.output.trim());

    expect(execution.status).toBe('Failed');
    expect(actions.find((action) => action.actionName === 'Fetch')?.errorDetails?.message).toBe(
      `Version ${'N'.repeat(32)} of s3://${VERSIONED_BUCKET}/${SOURCE_KEY}, which the execution pins, does not exist; it may have been deleted. Start the pipeline again to read the latest version.`,
    );
  });
});

describe('the polling of sluice serve across a restart', () => {
  it('notes in the data dir what it last found, so a change made while no serve ran starts the pipeline at the first look after the restart', async () => {
    expect(await serve.interrupt()).toBe(0);
    // With no serve running, sluice run deploys app.zip's object over the polled key of the embedded S3.
    const file = writeDeclaration(dataDir, {
      name: 'replace-polled',
      stages: [
        {
          name: 'Source',
          actions: [
            {
              name: 'Fetch',
              actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
              configuration: { S3Bucket: SOURCE_BUCKET, S3ObjectKey: SOURCE_KEY },
              outputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
        {
          name: 'Deploy',
          actions: [
            {
              name: 'Replace',
              actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
              configuration: { BucketName: SOURCE_BUCKET, Extract: 'false', ObjectKey: POLLED_KEY },
              inputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
      ],
    });
    expect(sluice(['run', file, '--quiet', '--data-dir', dataDir])).toMatchObject({ code: 0 });

    serve = startSluice(['serve', '--port', '0', '--quiet', '--poll-interval', '1', '--data-dir', dataDir]);
    serveUrl = (await serve.waitFor(/ at (http\S+) \(Ctrl-C/))[1]!;
    const executionId = (await serve.waitFor(/polled\/Fetch: s3:\/\/app-source\/releases\/polled\.zip with ETag [0-9a-f]{32} started execution (\S+)/))[1]!;

    const { execution } = await finishedExecution(serve, serveUrl, executionId);
    expect(execution).toMatchObject({ status: 'Succeeded', trigger: { triggerType: 'PollForSourceChanges' } });
    // The object that sluice run deployed: app.zip's, uploaded in the test above.
    expect(sluice(['logs', executionId, '--action', 'Show', '--data-dir', dataDir]).stdout).toContain('uploaded');
    // The restarted serve did not look at the source afresh: it went on from what the first serve had noted.
    expect(serve.output()).not.toContain('polled/Fetch: polling');
    expect(executionsOf('polled')).toHaveLength(2);
  });
});
