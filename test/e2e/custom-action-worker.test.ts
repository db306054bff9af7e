import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CodePipelineClient, CreateCustomActionTypeCommand, CreatePipelineCommand, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { finishedExecution, killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';
import { commandsOnSource, customToolStage, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(120_000);

const REGION = 'eu-west-1';
const WORKER = path.join(__dirname, '../fixtures/workers/custom-action-worker.mjs');

let serve: RunningCli;
let endpoint: string;
let dataDir: string;
let credentials: { accessKeyId: string; secretAccessKey: string };
let client: CodePipelineClient;
let repo: string;

/** Runs the worker fixture as its own process, with the SDK's environment pointing at sluice serve; resolves with what it printed. */
function runWorker(env: Record<string, string>): Promise<{ code: number | null; steps: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL_CODEPIPELINE: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: REGION,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({
        code,
        steps: output
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      }),
    ),
  );
}

/** Source from git, then the custom Tool action (namespace ToolVars), then a Commands action that checks Tool's output variable. */
function toolPipeline(name: string): PipelineDeclaration {
  return {
    name,
    stages: [
      gitSourceStage(repo),
      customToolStage('Tool', name),
      { name: 'Check', actions: [commandsOnSource('Image', ['test "#{ToolVars.Image}" = "img:v7"'])] },
    ],
  };
}

/** Creates the pipeline, which starts its first execution, as in CodePipeline; resolves with that execution's id. */
async function started(declaration: PipelineDeclaration): Promise<string> {
  await client.send(new CreatePipelineCommand({ pipeline: declaration as never }));
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const { pipelineExecutionSummaries } = await client.send(new ListPipelineExecutionsCommand({ pipelineName: declaration.name }));
    const first = pipelineExecutionSummaries?.[0]?.pipelineExecutionId;
    if (first) return first;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`CreatePipeline started no execution of ${declaration.name}. sluice serve printed:\n${serve.output()}`);
}

describe('a job worker process drives custom actions through sluice serve with @aws-sdk/client-codepipeline', () => {
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-custom-worker-'));
    repo = gitRepository({ 'app.txt': 'v1' }, 'feat: first').dir;
    serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
    endpoint = (await serve.waitFor(/serving .* at (http:\/\/\S+)/))[1]!;
    const printed = sluice(['credentials', '--data-dir', dataDir]).stdout;
    credentials = {
      accessKeyId: /^export AWS_ACCESS_KEY_ID=(\S+)$/m.exec(printed)![1]!,
      secretAccessKey: /^export AWS_SECRET_ACCESS_KEY=(\S+)$/m.exec(printed)![1]!,
    };
    client = new CodePipelineClient({ endpoint, region: REGION, credentials, maxAttempts: 1 });
    await client.send(
      new CreateCustomActionTypeCommand({
        category: 'Build',
        provider: 'Tool',
        version: '1',
        configurationProperties: [{ name: 'Target', required: true, key: true, secret: false, queryable: true }],
        inputArtifactDetails: { minimumCount: 1, maximumCount: 1 },
        outputArtifactDetails: { minimumCount: 0, maximumCount: 0 },
      }),
    );
  });

  afterAll(async () => {
    await serve?.interrupt();
    killStartedSluice();
  });

  it('polls, acknowledges and reports success with output variables, which the next action uses', async () => {
    const executionId = await started(toolPipeline('worker-succeeds'));
    const worker = await runWorker({
      WORKER_ACTION_TYPE: 'Build/Tool/1',
      WORKER_QUERY: JSON.stringify({ Target: 'worker-succeeds' }),
      WORKER_VARIABLES: JSON.stringify({ Image: 'img:v7' }),
    });
    expect(worker.code).toBe(0);
    expect(worker.steps.map((step) => step.step)).toEqual(['polled', 'acknowledged', 'succeeded']);
    expect(worker.steps[0]).toMatchObject({ configuration: { Target: 'worker-succeeds' }, pipeline: 'worker-succeeds' });
    expect(worker.steps[1]).toMatchObject({ status: 'InProgress' });

    const detail = await finishedExecution(serve, endpoint, executionId);
    expect(detail.execution.status).toBe('Succeeded');
    expect(detail.actions.find((action) => action.actionName === 'Tool')).toMatchObject({
      status: 'Succeeded',
      output: { outputVariables: { Image: 'img:v7' }, executionResult: { externalExecutionSummary: 'done by the worker' } },
    });
  });

  it('a failing worker fails the action with its message', async () => {
    const executionId = await started(toolPipeline('worker-fails'));
    const worker = await runWorker({ WORKER_ACTION_TYPE: 'Build/Tool/1', WORKER_QUERY: JSON.stringify({ Target: 'worker-fails' }), WORKER_OUTCOME: 'fail' });
    expect(worker.code).toBe(0);
    const detail = await finishedExecution(serve, endpoint, executionId);
    expect(detail.execution.status).toBe('Failed');
    expect(detail.actions.find((action) => action.actionName === 'Tool')).toMatchObject({
      status: 'Failed',
      errorDetails: { message: 'the worker could not do the job' },
    });
  });

  it('a job nobody takes times out, and its action fails saying so', async () => {
    writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ customActions: { jobTimeoutSeconds: 2 } }));
    const executionId = await started(toolPipeline('nobody-works'));
    const detail = await finishedExecution(serve, endpoint, executionId);
    expect(detail.execution.status).toBe('Failed');
    expect(detail.actions.find((action) => action.actionName === 'Tool')?.errorDetails?.message).toMatch(
      /No job worker finished the job of Build\/Custom\/Tool\/1/,
    );
  });
});
