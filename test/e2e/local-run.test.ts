import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { killStartedSluice, sluice, startSluice } from '../support/cli';
import { startTestStack } from '../support/embedded-stack';
import { gitRepository } from '../support/git-repository';
import { gitSourceStage } from '../support/declarations';
import { stateChange, succeededRunChanges } from '../support/event-log';

// Each test runs whole pipelines through the CLI, builds included.
jest.setTimeout(90_000);
afterEach(killStartedSluice);

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'sluice-data-'));

function pipelineFile(declaration: object): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-pipeline-')), 'pipeline.json');
  writeFileSync(file, JSON.stringify(declaration));
  return file;
}

/** `sluice run` of `declaration` on the data dir `data`, with `flags`. */
const runPipeline = (data: string, declaration: object, flags: string[] = []) => sluice(['run', pipelineFile(declaration), '--data-dir', data, ...flags]);

const commandsAction = (name: string, commands: string[], extra: object = {}) => ({
  name,
  actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
  commands,
  inputArtifacts: [{ name: 'Src' }],
  ...extra,
});

const buildAction = {
  name: 'Compile',
  actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
  configuration: { ProjectName: 'p' },
  inputArtifacts: [{ name: 'Src' }],
};

interface RunReport {
  execution: { status: string; statusSummary?: string; pipelineExecutionId: string; startTime: string };
  actions: {
    stageName: string;
    actionName: string;
    actionExecutionId: string;
    status: string;
    startTime: string;
    lastUpdateTime: string;
    output?: { outputVariables: Record<string, string> };
    errorDetails?: { message: string };
  }[];
}

const report = (stdout: string) => JSON.parse(stdout) as RunReport;

interface RecordedEvent {
  source: string;
  account: string;
  region: string;
  'detail-type': string;
  detail: { state: string; stage?: string; action?: string; 'execution-id': string } & Record<string, unknown>;
}

/** What `sluice events --json` shows of an execution. */
const executionEvents = (data: string, executionId: string) =>
  JSON.parse(sluice(['events', executionId, '--data-dir', data, '--json']).stdout).events as RecordedEvent[];

/** An artifact of the event detail, in the local artifact store. */
const artifactAt = (name: string) => ({ name, s3location: { bucket: expect.any(String), key: expect.stringContaining(`/${name}/`) } });

describe('sluice run', () => {
  it('runs a pipeline to Succeeded, passing variables between stages', () => {
    const repo = gitRepository({ 'version.txt': '4.2\n' }, 'feat: variables');
    const file = pipelineFile({
      name: 'variables',
      pipelineType: 'V2',
      variables: [{ name: 'Greeting', defaultValue: 'hello' }],
      stages: [
        gitSourceStage(repo.dir, { namespace: 'SourceVariables' }),
        { name: 'Produce', actions: [commandsAction('Read', ['export VERSION=$(cat version.txt)'], { outputVariables: ['VERSION'], namespace: 'Produced' })] },
        {
          name: 'Consume',
          actions: [
            commandsAction('Check', [
              'test "#{Produced.VERSION}" = "4.2"',
              'test "#{SourceVariables.CommitId}" = "' + repo.commit + '"',
              'test "#{variables.Greeting}" = "bonjour"',
              'echo "execution #{codepipeline.PipelineExecutionId}"',
            ]),
          ],
        },
      ],
    });
    const data = dataDir();
    const result = sluice(['run', file, '--data-dir', data, '--var', 'Greeting=bonjour', '--json']);
    expect(result.code).toBe(0);
    const run = report(result.stdout);
    expect(run.execution.status).toBe('Succeeded');
    expect(run.actions.find((action) => action.actionName === 'Read')?.output?.outputVariables).toEqual({ VERSION: '4.2' });
    expect(run.actions.map((action) => action.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);

    const events = executionEvents(data, run.execution.pipelineExecutionId);
    const changes = events.map(stateChange);
    expect(changes).toEqual(succeededRunChanges(['Source/Checkout', 'Produce/Read', 'Consume/Check']));
    expect(new Set(events.map((event) => event.source))).toEqual(new Set(['sluice']));
    expect(events.every((event) => event.detail['execution-id'] === run.execution.pipelineExecutionId)).toBe(true);
    // The installation's account and region, the execution's start and its one attempt, on every event.
    for (const event of events) {
      expect(event).toMatchObject({ account: '000000000000', region: 'local' });
      expect(event.detail).toMatchObject({ 'start-time': run.execution.startTime, 'pipeline-execution-attempt': 1 });
    }
    expect(events[0]!.detail['execution-trigger']).toEqual({ 'trigger-type': 'StartPipelineExecution', 'trigger-detail': expect.any(String) });
    const read = run.actions.find((action) => action.actionName === 'Read')!;
    const readEvents = events.filter((event) => event.detail.action === 'Read');
    expect(readEvents.map((event) => event.detail)).toEqual([
      expect.objectContaining({ state: 'STARTED', 'action-execution-id': read.actionExecutionId, region: 'local', 'input-artifacts': [artifactAt('Src')] }),
      expect.objectContaining({ state: 'SUCCEEDED', 'action-execution-id': read.actionExecutionId, region: 'local' }),
    ]);
  });

  it('fails on a failing build, naming the command and showing the tail of its log', () => {
    const repo = gitRepository({
      'buildspec.yml': 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo compiling-marker\n      - exit 3\n      - echo never-printed\n',
    });
    const file = pipelineFile({
      name: 'failing',
      stages: [gitSourceStage(repo.dir, { namespace: 'SourceVariables' }), { name: 'Build', actions: [buildAction] }],
    });
    const data = dataDir();
    const result = sluice(['run', file, '--data-dir', data, '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Build/Compile: failed');
    expect(result.stdout).toContain('command "exit 3"');
    expect(result.stdout).toMatch(/\| .*compiling-marker/);
    expect(result.stdout).not.toContain('never-printed');

    const status = JSON.parse(sluice(['status', 'failing', '--data-dir', data, '--json']).stdout);
    const compile = status.stageStates[1].actionStates[0].latestExecution;
    expect(status.stageStates[1].latestExecution.status).toBe('Failed');
    expect(compile.status).toBe('Failed');
    expect(compile.errorDetails.message).toContain('exit 3');
    const executions = JSON.parse(sluice(['executions', 'failing', '--data-dir', data, '--json']).stdout).pipelineExecutionSummaries;
    expect(executions[0].status).toBe('Failed');
    expect(executions[0].statusSummary).toContain('Build/Compile failed');
    const logs = sluice(['logs', executions[0].pipelineExecutionId, '--action', 'Compile', '--data-dir', data]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('compiling-marker');

    const failed = executionEvents(data, executions[0].pipelineExecutionId).find(
      (event) => event.detail.action === 'Compile' && event.detail.state === 'FAILED',
    );
    expect(failed?.detail).toMatchObject({
      type: buildAction.actionTypeId,
      region: 'local',
      'execution-result': { 'error-code': 'JobFailed', 'external-execution-summary': expect.stringContaining('exit 3') },
    });
  });

  it('approves Manual approvals at once with --auto-approve, recording who approved', () => {
    const repo = gitRepository({ 'a.txt': 'a' });
    const approval = { name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } };
    const file = pipelineFile({
      name: 'scripted',
      stages: [
        gitSourceStage(repo.dir, { namespace: 'SourceVariables' }),
        { name: 'Gate', actions: [approval] },
        { name: 'Ship', actions: [commandsAction('Echo', ['true'])] },
      ],
    });
    const data = dataDir();
    const result = sluice(['run', file, '--data-dir', data, '--auto-approve', '--json']);
    expect(result.code).toBe(0);
    const review = report(result.stdout).actions.find((action) => action.actionName === 'Review') as {
      status: string;
      output?: { executionResult?: { externalExecutionSummary?: string } };
    };
    expect(review.status).toBe('Succeeded');
    expect(review.output?.executionResult?.externalExecutionSummary).toBe('Approved by sluice run --auto-approve');
  });

  it('runs actions with the same runOrder at the same time', () => {
    const repo = gitRepository({ 'a.txt': 'a' });
    const file = pipelineFile({
      name: 'parallel',
      stages: [
        gitSourceStage(repo.dir, { namespace: 'SourceVariables' }),
        { name: 'Both', actions: [commandsAction('Left', ['sleep 1']), commandsAction('Right', ['sleep 1'])] },
      ],
    });
    const result = sluice(['run', file, '--data-dir', dataDir(), '--json']);
    expect(result.code).toBe(0);
    const [left, right] = ['Left', 'Right'].map((name) => report(result.stdout).actions.find((action) => action.actionName === name)!);
    // Sequential actions would not overlap: one would start after the other ended.
    expect(Date.parse(left!.startTime)).toBeLessThan(Date.parse(right!.lastUpdateTime));
    expect(Date.parse(right!.startTime)).toBeLessThan(Date.parse(left!.lastUpdateTime));
  });

  const codeDeployStage = {
    name: 'Deploy',
    actions: [
      {
        name: 'Deploy',
        actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1' },
        configuration: { ApplicationName: 'web', DeploymentGroupName: 'prod' },
        inputArtifacts: [{ name: 'Src' }],
      },
    ],
  };
  it.each([
    [
      'an input artifact no action produces',
      { name: 'bad', stages: [gitSourceStage('.'), { name: 'Build', actions: [{ ...buildAction, inputArtifacts: [{ name: 'Nope' }] }] }] },
      ['No action produces an artifact named "Nope"', 'Nothing was run.'],
    ],
    [
      'a provider the local runtime does not have',
      { name: 'aws-only', stages: [gitSourceStage('.'), codeDeployStage] },
      ['AWS/CodeDeploy is not available on the local runtime'],
    ],
  ])('refuses %s before anything runs, with exit code 2', (_problem, declaration, messages) => {
    const refused = runPipeline(dataDir(), declaration);
    expect(refused.code).toBe(2);
    for (const message of messages) expect(refused.stderr).toContain(message);
  });

  it('refuses a variable the pipeline does not declare before anything runs, with exit code 2', () => {
    const data = dataDir();
    const declaration = { name: 'vars', stages: [gitSourceStage('.'), { name: 'Run', actions: [commandsAction('Echo', ['true'])] }] };
    const unknownVariable = runPipeline(data, declaration, ['--var', 'Nope=1']);
    expect(unknownVariable.code).toBe(2);
    expect(unknownVariable.stderr).toContain('has no variable Nope');
    expect(sluice(['executions', 'vars', '--data-dir', data, '--json']).stdout).toContain('"pipelineExecutionSummaries": []');
  });

  it('marks an execution interrupted by kill -9 as Failed, and the data dir still opens', async () => {
    const repo = gitRepository({ 'a.txt': 'a' });
    const file = pipelineFile({
      name: 'killed',
      stages: [gitSourceStage(repo.dir, { namespace: 'SourceVariables' }), { name: 'Wait', actions: [commandsAction('Sleep', ['sleep 30'])] }],
    });
    const data = dataDir();
    const run = startSluice(['run', file, '--data-dir', data]);
    await run.waitFor(/Running command sleep 30/);

    const busy = sluice(['run', file, '--data-dir', data]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('is in use by "sluice run"');
    const whileRunning = JSON.parse(sluice(['status', 'killed', '--data-dir', data, '--json']).stdout);
    expect(whileRunning.stageStates[1].actionStates[0].latestExecution.status).toBe('InProgress');

    run.child.kill('SIGKILL');
    await run.exit;
    const executions = sluice(['executions', 'killed', '--data-dir', data, '--json']);
    expect(executions.code).toBe(0);
    const [execution] = JSON.parse(executions.stdout).pipelineExecutionSummaries;
    expect(execution.status).toBe('Failed');
    expect(execution.statusSummary).toContain('interrupted');
    const status = JSON.parse(sluice(['status', 'killed', '--data-dir', data, '--json']).stdout);
    expect(status.stageStates[1].actionStates[0].latestExecution.status).toBe('Abandoned');
  });

  it('runs on a data dir used before whose table was deleted since, starting with no executions', async () => {
    const repo = gitRepository({ 'a.txt': 'a' });
    const declaration = { name: 'reopened', stages: [gitSourceStage(repo.dir), { name: 'Check', actions: [commandsAction('Read', ['cat a.txt'])] }] };
    const data = dataDir();
    expect(runPipeline(data, declaration).code).toBe(0);
    const stack = await startTestStack(data);
    try {
      await stack.clients.dynamodb.send(new DeleteTableCommand({ TableName: 'sluice' }));
    } finally {
      await stack.stop();
    }

    const again = runPipeline(data, declaration);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const executions = JSON.parse(sluice(['executions', 'reopened', '--data-dir', data, '--json']).stdout).pipelineExecutionSummaries;
    expect(executions).toEqual([expect.objectContaining({ status: 'Succeeded' })]);
  });
});

describe('sluice example', () => {
  it('builds, tests and deploys the example site, then serves it until Ctrl-C', async () => {
    const data = dataDir();
    const run = startSluice(['example', '--data-dir', data, '--port', '0', '--quiet']);
    const [, url] = await run.waitFor(/served at (http:\/\/\S+)/, 60_000);
    const page = await (await fetch(url!)).text();
    expect(page).toMatch(/<p class="version">Version 1\.0\.0\+[0-9a-f]{7}<\/p>/);
    expect(page).toContain('<h1>Sluice example site</h1>');
    expect((await fetch(new URL('style.css', url))).headers.get('content-type')).toContain('text/css');
    expect((await fetch(new URL('missing.html', url))).status).toBe(404);
    expect(await run.interrupt()).toBe(0);
    expect(run.output()).toContain('Test/UnitTests: succeeded');
    expect(run.output()).toContain('Test/SiteCheck: succeeded');
  });
});

describe('sluice run while sluice serve owns the data dir', () => {
  it('hands the run to serve and follows it to its end, with the same exit codes', async () => {
    const data = dataDir();
    const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', data]);
    await serve.waitFor(/serving .* at http/);
    const repo = gitRepository({ 'a.txt': 'a' });
    const ok = runPipeline(data, {
      name: 'handed',
      stages: [gitSourceStage(repo.dir, { namespace: 'SourceVariables' }), { name: 'Run', actions: [commandsAction('Echo', ['echo handed-over'])] }],
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Run/Echo: succeeded');
    expect(ok.stdout).toContain('handed: succeeded');

    const failed = runPipeline(data, {
      name: 'handed-fail',
      stages: [
        gitSourceStage(repo.dir, { namespace: 'SourceVariables' }),
        { name: 'Run', actions: [commandsAction('Boom', ['echo about-to-fail', 'test -f no-such-file'])] },
      ],
    });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Run/Boom: failed');
    expect(failed.stdout).toMatch(/\| .*about-to-fail/);
    const executions = JSON.parse(sluice(['executions', 'handed', '--data-dir', data, '--json']).stdout).pipelineExecutionSummaries;
    expect(executions).toHaveLength(1);
    expect(await serve.interrupt()).toBe(0);
  });
});
