import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openLocalInstallation, type LocalInstallation } from '../../lib/compose/local';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import type { LambdaJobEvent } from '../../lib/ports/job-functions';
import type { ExecutionDetail } from '../../lib/operations/sluice-api';
import { gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(60_000);

const HANDLER = path.join(__dirname, '../fixtures/lambda/job-function.mjs');

/** A Lambda invoke action of the fixture function, told what to do by UserParameters. */
function invoke(name: string, functionName: string, parameters: object, extra: Partial<ActionDeclaration> = {}): ActionDeclaration {
  return {
    name,
    actionTypeId: { category: 'Invoke', owner: 'AWS', provider: 'Lambda', version: '1' },
    configuration: { FunctionName: functionName, UserParameters: JSON.stringify(parameters) },
    ...extra,
  };
}

describe('Lambda invoke actions and the job protocol, with handler files on a local installation that runs executions', () => {
  const saved = { ...process.env };
  let dataDir: string;
  let eventsDir: string;
  let installation: LocalInstallation;
  let repo: string;
  let pipelines = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-lambda-jobs-'));
    eventsDir = await mkdtemp(path.join(os.tmpdir(), 'sluice-lambda-events-'));
    repo = gitRepository({ 'app.txt': 'v1' }).dir;
    // Validation asks for AWS credentials where actions call AWS; the handler files need none of their own.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'not-a-secret';
    process.env.LAMBDA_EVENTS_DIR = eventsDir;
    // From the environment, files relative to the current directory; from the settings, to the data dir.
    process.env.SLUICE_LAMBDA_HANDLERS = JSON.stringify({ 'env-fn': `${path.relative(process.cwd(), HANDLER)}:handler` });
    await writeFile(
      path.join(dataDir, 'settings.json'),
      JSON.stringify({ lambda: { handlers: { 'deploy-fn': `${path.relative(dataDir, HANDLER)}:handler` } } }),
    );
    installation = await openLocalInstallation({ dataDir, command: 'test', serveApi: true, runInBackground: {}, write: () => undefined });
  });

  afterAll(async () => {
    await installation?.close();
    process.env = saved;
    await rm(dataDir, { recursive: true, force: true });
    await rm(eventsDir, { recursive: true, force: true });
  });

  function pipeline(...actions: ActionDeclaration[][]): PipelineDeclaration {
    pipelines += 1;
    return { name: `lambda-${pipelines}`, stages: [gitSourceStage(repo), ...actions.map((stage, index) => ({ name: `Invoke${index + 1}`, actions: stage }))] };
  }

  async function run(declaration: PipelineDeclaration): Promise<ExecutionDetail> {
    const { firstExecution } = await installation.operations.createPipeline(declaration);
    if (!('pipelineExecutionId' in firstExecution)) throw new Error(`CreatePipeline started no execution: ${firstExecution.notStarted}`);
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const detail = await installation.operations.getPipelineExecution(firstExecution.pipelineExecutionId);
      if (detail.execution.status !== 'InProgress') return detail;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`Execution of ${declaration.name} did not end.`);
  }

  /** The pid the fixture function wrote to `file`, once it has. */
  async function untilWritten(file: string): Promise<number> {
    for (let attempt = 0; attempt < 600; attempt += 1) {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (text) return Number(text);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`${file} was never written.`);
  }

  /** Waits for the process to be gone; fails if it never goes. */
  async function expectGone(pid: number): Promise<void> {
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let attempt = 0; attempt < 200 && alive(); attempt += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive()).toBe(false);
  }

  /** The events the fixture function received, for the jobs of one pipeline's actions. */
  async function eventsOf(detail: ExecutionDetail, actionName: string): Promise<LambdaJobEvent['CodePipeline.job'][]> {
    const events = await Promise.all(
      (await readdir(eventsDir)).map(async (file) => (JSON.parse(await readFile(path.join(eventsDir, file), 'utf8')) as LambdaJobEvent)['CodePipeline.job']),
    );
    const configuration = detail.actions.find((action) => action.actionName === actionName)?.input?.resolvedConfiguration;
    return events.filter((event) => JSON.stringify(event.data.actionConfiguration.configuration) === JSON.stringify(configuration));
  }

  test('a function that succeeds gets the job event, and its output variables reach a later action', async () => {
    const detail = await run(
      pipeline(
        [
          invoke(
            'Deploy',
            'deploy-fn',
            { mode: 'succeed', variables: { Url: 'https://example.test/1' } },
            { namespace: 'DeployVars', inputArtifacts: [{ name: 'Src' }], outputArtifacts: [{ name: 'Report' }] },
          ),
        ],
        [invoke('Smoke', 'env-fn', { mode: 'succeed', variables: { Checked: '#{DeployVars.Url}' } })],
      ),
    );
    expect(detail.execution.status).toBe('Succeeded');
    expect(detail.actions.find((action) => action.actionName === 'Deploy')).toMatchObject({
      status: 'Succeeded',
      output: { outputVariables: { Url: 'https://example.test/1' }, executionResult: { externalExecutionSummary: 'done by deploy-fn' } },
    });
    expect(detail.actions.find((action) => action.actionName === 'Smoke')).toMatchObject({
      status: 'Succeeded',
      output: { outputVariables: { Checked: 'https://example.test/1' } },
    });

    const [event] = await eventsOf(detail, 'Deploy');
    const source = detail.actions.find((action) => action.actionName === 'Checkout')!.output!.outputArtifacts![0]!;
    const report = detail.actions.find((action) => action.actionName === 'Deploy')!.output!.outputArtifacts![0]!;
    expect(event).toEqual({
      id: expect.any(String),
      accountId: '000000000000',
      data: {
        actionConfiguration: { configuration: { FunctionName: 'deploy-fn', UserParameters: expect.any(String) } },
        inputArtifacts: [{ name: 'Src', revision: null, location: { type: 'S3', s3Location: source.s3location } }],
        outputArtifacts: [{ name: 'Report', revision: null, location: { type: 'S3', s3Location: report.s3location } }],
        artifactCredentials: { accessKeyId: expect.stringMatching(/^SLUI/), secretAccessKey: expect.any(String) },
      },
    });
  });

  test('a function that reports failure fails its action with its message, and the execution with it', async () => {
    const detail = await run(pipeline([invoke('Deploy', 'deploy-fn', { mode: 'fail' })]));
    expect(detail.execution.status).toBe('Failed');
    expect(detail.actions.find((action) => action.actionName === 'Deploy')).toMatchObject({
      status: 'Failed',
      errorDetails: { message: 'the function could not deploy' },
    });
  });

  test('a success with a continuation token invokes the function again with a new job carrying the token', async () => {
    const detail = await run(pipeline([invoke('Deploy', 'deploy-fn', { mode: 'continue', variables: { Rounds: '2' } }, { namespace: 'DeployVars' })]));
    expect(detail.execution.status).toBe('Succeeded');
    expect(detail.actions.find((action) => action.actionName === 'Deploy')).toMatchObject({
      status: 'Succeeded',
      output: { outputVariables: { Rounds: '2', Token: 'round-2' } },
    });
    const events = await eventsOf(detail, 'Deploy');
    expect(events).toHaveLength(2);
    expect(new Set(events.map((event) => event.id)).size).toBe(2);
    expect(events.map((event) => event.data.continuationToken ?? null).sort()).toEqual(['round-2', null].sort());
  });

  test('a function that never reports times out its action, after the reply time', async () => {
    await writeFile(
      path.join(dataDir, 'settings.json'),
      JSON.stringify({ lambda: { replyTimeoutSeconds: 1, handlers: { 'deploy-fn': `${path.relative(dataDir, HANDLER)}:handler` } } }),
    );
    const detail = await run(pipeline([invoke('Deploy', 'deploy-fn', { mode: 'silent' })]));
    expect(detail.execution.status).toBe('Failed');
    expect(detail.actions.find((action) => action.actionName === 'Deploy')?.errorDetails?.message).toMatch(
      /^Lambda function deploy-fn did not report the job within .* minutes: the action timed out/,
    );
  });

  test('a function that hangs is ended with its action when the action times out', async () => {
    const pidFile = path.join(eventsDir, '..', `${path.basename(eventsDir)}-timeout.pid`);
    // Time enough for the function's process to start and write its pid.
    await writeFile(
      path.join(dataDir, 'settings.json'),
      JSON.stringify({ lambda: { replyTimeoutSeconds: 5, handlers: { 'deploy-fn': `${path.relative(dataDir, HANDLER)}:handler` } } }),
    );
    const running = run(pipeline([invoke('Deploy', 'deploy-fn', { mode: 'hang', pidFile })]));
    const pid = await untilWritten(pidFile);
    const detail = await running;
    expect(detail.actions.find((action) => action.actionName === 'Deploy')?.errorDetails?.message).toMatch(/did not report the job within/);
    await expectGone(pid);
  });

  test('a function that hangs is ended with its action when the execution is stopped', async () => {
    await writeFile(
      path.join(dataDir, 'settings.json'),
      JSON.stringify({ lambda: { handlers: { 'deploy-fn': `${path.relative(dataDir, HANDLER)}:handler` } } }),
    );
    const pidFile = path.join(eventsDir, '..', `${path.basename(eventsDir)}-stop.pid`);
    const declaration = pipeline([invoke('Deploy', 'deploy-fn', { mode: 'hang', pidFile })]);
    const { firstExecution } = await installation.operations.createPipeline(declaration);
    if (!('pipelineExecutionId' in firstExecution)) throw new Error(`CreatePipeline started no execution: ${firstExecution.notStarted}`);
    const pid = await untilWritten(pidFile);
    process.kill(pid, 0);
    await installation.operations.stopPipelineExecution({
      pipelineName: declaration.name,
      pipelineExecutionId: firstExecution.pipelineExecutionId,
      abandon: true,
    });
    await expectGone(pid);
  });

  test('a function that cannot be invoked fails its action at once, saying why', async () => {
    process.env.AWS_ENDPOINT_URL_LAMBDA = 'http://127.0.0.1:9';
    const detail = await run(pipeline([invoke('Deploy', 'no-such-fn', { mode: 'succeed' })]));
    expect(detail.execution.status).toBe('Failed');
    expect(detail.actions.find((action) => action.actionName === 'Deploy')?.errorDetails?.message).toMatch(
      /^Lambda function no-such-fn could not be invoked: /,
    );
  });
});
