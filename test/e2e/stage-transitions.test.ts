import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { awsCodePipeline, awsToolEnvironment } from '../support/aws-cli';
import { killStartedSluice, sluice, sluiceExecutionCommands, succeeded, writeDeclaration, type RunningCli } from '../support/cli';
import { refusal, type CodePipelineCaller, serveWithCaller } from '../support/codepipeline-client';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(180_000);

let serve: RunningCli;
let dataDir: string;
let endpoint: string;
let caller: CodePipelineCaller;
let credentials: { accessKeyId: string; secretAccessKey: string };
/** The environment the aws CLI runs in: the installation's credentials, no profile of the machine's. */
let awsEnv: NodeJS.ProcessEnv;
let repository: string;

/** Who the transitions are recorded as changed by: locally, the user who owns the data dir. */
const OWNER = os.userInfo().username;
const REASON = 'Waiting for the release window (Friday)';

/** A stage as the scenario reads it, whichever way GetPipelineState was called. */
interface StageView {
  stageName: string;
  inboundTransitionState: { enabled: boolean; disabledReason?: string; lastChangedBy?: string };
  inboundExecutions?: { pipelineExecutionId: string; status: string; type: string }[];
  inboundExecution?: { pipelineExecutionId: string };
  latestExecution?: { pipelineExecutionId: string; status: string };
}

/** One way to reach sluice serve: the sluice CLI, @aws-sdk/client-codepipeline, or the aws CLI. */
interface Driver {
  disable(pipeline: string, stage: string, type: string, reason: string): Promise<void>;
  enable(pipeline: string, stage: string, type: string): Promise<void>;
  start(pipeline: string): Promise<string>;
  stages(pipeline: string): Promise<StageView[]>;
  status(pipeline: string, executionId: string): Promise<string>;
}

const aws = (args: string[]) => awsCodePipeline(endpoint, awsEnv, args);

const data = (args: string[]) => [...args, '--data-dir', dataDir];

const sluiceDriver: Driver = {
  disable: async (pipeline, stage, type, reason) =>
    void succeeded(sluice(data(['disable-stage-transition', pipeline, stage, '--type', type, '--reason', reason]))),
  enable: async (pipeline, stage, type) => void succeeded(sluice(data(['enable-stage-transition', pipeline, stage, '--type', type]))),
  start: (pipeline) => sluiceExecutionCommands(dataDir).start(pipeline),
  stages: (pipeline) => sluiceExecutionCommands(dataDir).stages(pipeline),
  status: (pipeline, executionId) => sluiceExecutionCommands(dataDir).status(pipeline, executionId),
};

const sdkDriver: Driver = {
  disable: async (pipelineName, stageName, transitionType, reason) =>
    void (await caller.send('DisableStageTransition', { pipelineName, stageName, transitionType, reason })),
  enable: async (pipelineName, stageName, transitionType) => void (await caller.send('EnableStageTransition', { pipelineName, stageName, transitionType })),
  start: async (name) => (await caller.send('StartPipelineExecution', { name })).pipelineExecutionId as string,
  stages: async (name) => (await caller.send('GetPipelineState', { name })).stageStates as StageView[],
  status: async (pipelineName, pipelineExecutionId) =>
    ((await caller.send('GetPipelineExecution', { pipelineName, pipelineExecutionId })).pipelineExecution as { status: string }).status,
};

const awsDriver: Driver = {
  disable: async (pipeline, stage, type, reason) =>
    void succeeded(aws(['disable-stage-transition', '--pipeline-name', pipeline, '--stage-name', stage, '--transition-type', type, '--reason', reason])),
  enable: async (pipeline, stage, type) =>
    void succeeded(aws(['enable-stage-transition', '--pipeline-name', pipeline, '--stage-name', stage, '--transition-type', type])),
  start: async (name) => succeeded(aws(['start-pipeline-execution', '--name', name])).json!.pipelineExecutionId as string,
  stages: async (name) => succeeded(aws(['get-pipeline-state', '--name', name])).json!.stageStates as StageView[],
  status: async (pipeline, executionId) =>
    (
      succeeded(aws(['get-pipeline-execution', '--pipeline-name', pipeline, '--pipeline-execution-id', executionId])).json!.pipelineExecution as {
        status: string;
      }
    ).status,
};

/** The first value `probe` gives, polled for 60 s; giving up names `what` and shows what serve printed. */
async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`Gave up waiting for ${what}. sluice serve printed:\n${serve.output()}`);
}

/** Source, then a Build that echoes: SUPERSEDED, the default mode. */
const pipelineNamed = (name: string): PipelineDeclaration => ({
  name,
  stages: [gitSourceStage(repository), { name: 'Build', actions: [commandsOnSource('Echo', ['echo built'])] }],
});

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-transitions-'));
  repository = gitRepository({ 'app.txt': 'v1' }).dir;
  // Registered before serve runs, so that no first execution starts.
  for (const name of ['through-sluice', 'through-sdk', 'through-aws']) {
    expect(sluice(data(['create-pipeline', writeDeclaration(dataDir, pipelineNamed(name))])).code).toBe(0);
  }
  ({ serve, endpoint, credentials, caller } = await serveWithCaller(dataDir, 'eu-west-1'));
  awsEnv = awsToolEnvironment(dataDir, credentials, 'eu-west-1');
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe.each([
  ['the sluice CLI', 'through-sluice', sluiceDriver],
  ['@aws-sdk/client-codepipeline', 'through-sdk', sdkDriver],
  ['the aws CLI', 'through-aws', awsDriver],
])('stage transitions through %s against sluice serve', (_, pipeline, driver) => {
  it('holds executions at a disabled Inbound transition, supersedes the older waiter, and lets the newest in once it is enabled', async () => {
    await driver.disable(pipeline, 'Build', 'Inbound', REASON);
    const build = async () => (await driver.stages(pipeline)).find((stage) => stage.stageName === 'Build')!;
    const waiting = async () => (await build()).inboundExecutions?.map((execution) => execution.pipelineExecutionId) ?? [];

    const first = await driver.start(pipeline);
    await until(async () => ((await waiting()).includes(first) ? true : undefined), `${first} to wait in front of Build`);
    const [source, held] = await driver.stages(pipeline);
    expect(source!.latestExecution).toEqual({ pipelineExecutionId: first, status: 'Succeeded' });
    // It never entered Build: the stage has no execution of its own yet.
    expect(held!.latestExecution).toBeUndefined();
    expect(held).toMatchObject({
      inboundTransitionState: { enabled: false, disabledReason: REASON, lastChangedBy: OWNER },
      inboundExecutions: [{ pipelineExecutionId: first, status: 'InProgress', type: 'STANDARD' }],
      inboundExecution: { pipelineExecutionId: first },
    });
    expect(source!.inboundTransitionState).toEqual({ enabled: true });

    const second = await driver.start(pipeline);
    await until(async () => ((await driver.status(pipeline, first)) === 'Superseded' ? true : undefined), `${first} to be superseded`);
    await until(async () => ((await waiting()).join() === second ? true : undefined), `${second} alone to wait in front of Build`);
    expect(await driver.status(pipeline, second)).toBe('InProgress');

    await driver.enable(pipeline, 'Build', 'Inbound');
    await until(async () => ((await driver.status(pipeline, second)) === 'Succeeded' ? true : undefined), `${second} to succeed`);
    const after = await build();
    expect(after).toMatchObject({ inboundTransitionState: { enabled: true }, latestExecution: { pipelineExecutionId: second, status: 'Succeeded' } });
    expect(after.inboundExecutions).toBeUndefined();
    expect(await driver.status(pipeline, first)).toBe('Superseded');
  });
});

describe('sluice disable-stage-transition and enable-stage-transition', () => {
  it('shows a disabled transition and who waits at it in sluice status, and records both in the audit trail', async () => {
    const pipeline = 'through-sluice';
    const disabled = sluice(data(['disable-stage-transition', pipeline, 'Source', '--type', 'Outbound', '--reason', 'Code freeze']));
    expect(disabled).toMatchObject({ code: 0, stdout: `Disabled the Outbound transition of ${pipeline}/Source: Code freeze\n` });
    const executionId = await sluiceDriver.start(pipeline);
    const status = await until(async () => {
      const printed = sluice(data(['status', pipeline])).stdout;
      return printed.includes(`waiting to enter: ${executionId}`) ? printed : undefined;
    }, `sluice status to show ${executionId} waiting`);
    expect(status).toMatch(new RegExp(`\\n {2}Build: Succeeded \\(execution \\S+\\)\\n {4}transition in disabled by ${OWNER} at \\S+: Code freeze\\n`));

    const enabled = sluice(data(['enable-stage-transition', pipeline, 'Source', '--type', 'Outbound']));
    expect(enabled).toMatchObject({ code: 0, stdout: `Enabled the Outbound transition of ${pipeline}/Source\n` });
    await until(async () => ((await sluiceDriver.status(pipeline, executionId)) === 'Succeeded' ? true : undefined), `${executionId} to succeed`);
    expect(sluice(data(['status', pipeline])).stdout).not.toContain('transition in disabled');

    const { auditRecords } = JSON.parse(sluice(data(['audit', pipeline, '--json'])).stdout) as {
      auditRecords: { operation: string; who: string; stageName?: string; parameters?: Record<string, unknown>; reason?: string }[];
    };
    const transitions = auditRecords.filter((record) => record.operation.endsWith('StageTransition'));
    expect(transitions.slice(0, 2)).toEqual([
      expect.objectContaining({ operation: 'EnableStageTransition', who: OWNER, stageName: 'Source', parameters: { transitionType: 'Outbound' } }),
      expect.objectContaining({
        operation: 'DisableStageTransition',
        who: OWNER,
        stageName: 'Source',
        parameters: { transitionType: 'Outbound' },
        reason: 'Code freeze',
      }),
    ]);
  });

  it.each([
    [
      'an unknown stage',
      ['disable-stage-transition', 'through-sluice', 'Ship', '--type', 'Inbound', '--reason', 'x'],
      'Pipeline through-sluice has no stage Ship',
    ],
    ['an unknown pipeline', ['enable-stage-transition', 'missing', 'Build', '--type', 'Inbound'], 'missing'],
    [
      'a type neither Inbound nor Outbound',
      ['enable-stage-transition', 'through-sluice', 'Build', '--type', 'inbound'],
      'transitionType must be Inbound or Outbound',
    ],
    [
      'a reason CodePipeline refuses',
      ['disable-stage-transition', 'through-sluice', 'Build', '--type', 'Inbound', '--reason', 'no: later'],
      'reason must be 1 to 300',
    ],
    ['no reason', ['disable-stage-transition', 'through-sluice', 'Build', '--type', 'Inbound'], "required option '--reason <text>' not specified"],
  ])('refuses %s, exiting 2 with the reason', (_, args, message) => {
    const refused = sluice(data(args));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(message);
  });
});

describe('refusals of DisableStageTransition and EnableStageTransition on the CodePipeline endpoint', () => {
  it.each([
    ['DisableStageTransition', { pipelineName: 'through-sdk', stageName: 'Ship', transitionType: 'Inbound', reason: 'x' }, 'StageNotFoundException'],
    ['EnableStageTransition', { pipelineName: 'through-sdk', stageName: 'Ship', transitionType: 'Outbound' }, 'StageNotFoundException'],
    ['EnableStageTransition', { pipelineName: 'missing', stageName: 'Build', transitionType: 'Inbound' }, 'PipelineNotFoundException'],
    ['DisableStageTransition', { pipelineName: 'through-sdk', stageName: 'Build', transitionType: 'Inbound' }, 'ValidationException'],
    ['DisableStageTransition', { pipelineName: 'through-sdk', stageName: 'Build', transitionType: 'Sideways', reason: 'x' }, 'ValidationException'],
  ])('%s of %j: %s', async (operation, input, code) => {
    // A client of its own: the connection the scenarios kept has been idle past serve's keep-alive, and the test client does not retry.
    expect(await refusal(caller.send(operation, input, caller.clientWith(credentials)))).toMatchObject({ code, status: 400 });
  });

  it('answers the aws CLI with the error code of an unknown stage and of an unknown pipeline', () => {
    const stage = aws(['enable-stage-transition', '--pipeline-name', 'through-aws', '--stage-name', 'Ship', '--transition-type', 'Inbound']);
    expect(stage.code).not.toBe(0);
    expect(stage.stderr).toContain('StageNotFoundException');
    const pipeline = aws(['disable-stage-transition', '--pipeline-name', 'missing', '--stage-name', 'Build', '--transition-type', 'Inbound', '--reason', 'x']);
    expect(pipeline.code).not.toBe(0);
    expect(pipeline.stderr).toContain('PipelineNotFoundException');
  });
});
