import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ActionDeclaration } from '../../lib/core/declaration';
import { createPipeline, killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { readRawMail } from '../support/mail-message';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { buildStage, commandsOnSource, gitSourceStage } from '../support/declarations';
import { GATED_APPROVERS_RULE, writeNotificationRules } from '../support/notification-rules';
import { stateChange, succeededRunChanges } from '../support/event-log';

jest.setTimeout(120_000);

let smtp: TestSmtpServer;

beforeAll(async () => {
  smtp = await startTestSmtpServer();
});

afterAll(async () => {
  killStartedSluice();
  await smtp.stop();
});

const approvalMails = () => smtp.mails.filter((mail) => mail.to.includes('approver@example.com')).map((mail) => readRawMail(mail.raw));

/** A port that is free now; serve takes the same one after its restart, so that the mailed link still points at it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until<T>(probe: () => T | undefined, what: string, serve: () => RunningCli): Promise<T> {
  for (let attempt = 0; attempt < 250; attempt += 1) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Gave up waiting for ${what}. sluice serve printed:\n${serve().output()}`);
}

interface ExecutionSummary {
  pipelineExecutionId: string;
  status: string;
  statusSummary?: string;
}

/** Execution `id` of pipeline `name`, as `sluice executions --json` lists it. */
function executionSummary(dataDir: string, name: string, id: string): ExecutionSummary | undefined {
  const listed = JSON.parse(sluice(['executions', name, '--data-dir', dataDir, '--json']).stdout) as { pipelineExecutionSummaries: ExecutionSummary[] };
  return listed.pipelineExecutionSummaries.find((entry) => entry.pipelineExecutionId === id);
}

/** Waits for execution `id` of `name` to end, and returns its summary. */
function executionEnd(dataDir: string, name: string, id: string, serve: () => RunningCli): Promise<ExecutionSummary> {
  return until(
    () => {
      const execution = executionSummary(dataDir, name, id)!;
      return execution.status === 'InProgress' ? undefined : execution;
    },
    `execution ${id} of ${name} to end`,
    serve,
  );
}

describe('sluice serve restarted after kill -9', () => {
  it('resumes executions that waited for an approval (after a serve that could not listen), decided by the mailed link or PutApprovalResult, and leaves a killed build interrupted', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-resume-'));
    const repo = gitRepository(
      {
        'app.txt': 'v1',
        'buildspec.yml':
          'version: 0.2\nphases:\n  build:\n    commands:\n      - test "$(cat app.txt)" = v1\n      - test -n "$COMMIT"\n      - echo "built commit $COMMIT for $TARGET"\n',
      },
      'feat: something to review',
    );
    createPipeline(dataDir, {
      name: 'gated',
      pipelineType: 'V2',
      // Both executions wait at Gate's approval at once, rather than the second in line for the stage.
      executionMode: 'PARALLEL',
      variables: [{ name: 'target', defaultValue: 'staging' }],
      stages: [
        gitSourceStage(repo.dir, { namespace: 'SourceVariables' }),
        {
          name: 'Gate',
          actions: [
            {
              name: 'Review',
              actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' },
              configuration: { CustomData: 'Check the release notes' },
            },
          ],
        },
        buildStage('Compile', {
          ProjectName: 'app',
          EnvironmentVariables: JSON.stringify([
            { name: 'COMMIT', value: '#{SourceVariables.CommitId}', type: 'PLAINTEXT' },
            { name: 'TARGET', value: '#{variables.target}', type: 'PLAINTEXT' },
          ]),
        }),
      ],
    });
    createPipeline(dataDir, {
      name: 'slow',
      stages: [gitSourceStage(repo.dir, { namespace: 'SourceVariables' }), { name: 'Wait', actions: [commandsOnSource('Sleep', ['sleep 30'])] }],
    });
    writeNotificationRules(dataDir, GATED_APPROVERS_RULE);
    const port = await freePort();
    const startServe = () =>
      startSluice(['serve', '--port', String(port), '--quiet', '--data-dir', dataDir], {
        env: { SLUICE_SMTP_HOST: '127.0.0.1', SLUICE_SMTP_PORT: String(smtp.port) },
      });
    let serve = startServe();
    const current = () => serve;
    await serve.waitFor(/serving .* at http/);

    const startGated = async (index: number, args: string[]) => {
      const started = sluice(['start-pipeline-execution', 'gated', ...args, '--data-dir', dataDir]);
      expect(started.code).toBe(0);
      const link = await until(
        () => approvalMails()[index] && /Review and decide here: (\S+)/.exec(approvalMails()[index]!.text)![1],
        'the approval mail',
        current,
      );
      return { id: started.stdout.trim(), link };
    };
    const { id: executionId, link } = await startGated(0, ['--var', 'target=production']);
    // A second one, to be rejected after the restart through PutApprovalResult.
    const { id: rejectedId, link: rejectedLink } = await startGated(1, []);
    const slowStarted = sluice(['start-pipeline-execution', 'slow', '--data-dir', dataDir]);
    expect(slowStarted.code).toBe(0);
    const slowId = slowStarted.stdout.trim();
    await until(
      () => {
        const state = JSON.parse(sluice(['status', 'slow', '--data-dir', dataDir, '--json']).stdout);
        return state.stageStates[1]?.actionStates[0]?.latestExecution?.status === 'InProgress' ? true : undefined;
      },
      'the slow build to run',
      current,
    );

    serve.child.kill('SIGKILL');
    await serve.exit;
    // A serve that cannot listen lets go of what it resumed: the next one resumes it again.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    serve = startServe();
    expect(await serve.exit).not.toBe(0);
    await new Promise((resolve) => blocker.close(resolve));
    // Nothing else opens the data dir in between: a one-shot command would mark the execution interrupted.
    serve = startServe();
    await serve.waitFor(/serving .* at http/);
    expect(serve.output()).toContain(`Resumed execution ${executionId} of gated: waiting for approval: Gate/Review ${link}`);
    expect(serve.output()).toContain(`Resumed execution ${rejectedId} of gated: waiting for approval: Gate/Review ${rejectedLink}`);
    expect(serve.output().match(/Resumed execution/g)).toHaveLength(2);

    const slowExecution = executionSummary(dataDir, 'slow', slowId)!;
    expect(slowExecution.status).toBe('Failed');
    expect(slowExecution.statusSummary).toContain('interrupted');
    expect(executionSummary(dataDir, 'gated', executionId)!.status).toBe('InProgress');

    // PutApprovalResult with the token that status shows (the newest execution's) reaches the resumed Task too.
    const rejected = sluice(['approve', 'gated', 'Gate', 'Review', '--reject', '--summary', 'not this one', '--approver', 'ci', '--data-dir', dataDir]);
    expect(rejected.code).toBe(0);
    const rejectedEnd = await executionEnd(dataDir, 'gated', rejectedId, current);
    expect(rejectedEnd.status).toBe('Failed');
    expect(rejectedEnd.statusSummary).toContain('Rejected by ci: not this one');

    // The original link, mailed by the killed process, opens the page and decides.
    const page = await (await fetch(link)).text();
    expect(page).toContain('Check the release notes');
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)![1]!;
    const approved = await fetch(link, {
      method: 'POST',
      body: new URLSearchParams({ nonce, decision: 'approve', approver: 'Ada', comment: 'after the restart' }),
    });
    expect(approved.status).toBe(200);
    const ended = await executionEnd(dataDir, 'gated', executionId, current);
    expect(ended).toMatchObject({ status: 'Succeeded' });

    const logs = sluice(['logs', executionId, '--action', 'Build/Compile', '--data-dir', dataDir]);
    expect(logs.stdout).toContain(`built commit ${repo.commit} for production`);
    const events = JSON.parse(sluice(['events', executionId, '--data-dir', dataDir, '--json']).stdout).events as {
      detail: { state: string; stage?: string; action?: string; 'execution-result'?: Record<string, string> };
    }[];
    const changes = events.map(stateChange);
    // Each serve that resumed it, the one that could not listen and the next, announced RESUMED.
    const expected = succeededRunChanges(['Source/Checkout', 'Gate/Review', 'Build/Compile']);
    expected.splice(expected.indexOf('Gate/Review STARTED') + 1, 0, 'pipeline RESUMED', 'pipeline RESUMED');
    expect(changes).toEqual(expected);
    expect(JSON.stringify(events)).not.toContain('interrupted');
    const review = events.find(({ detail }) => detail.action === 'Review' && detail.state === 'SUCCEEDED')!;
    expect(review.detail['execution-result']).toEqual({ 'external-execution-summary': 'Approved by Ada: after the restart' });
    // status shows the newest execution: the rejected one.
    const gate = JSON.parse(sluice(['status', 'gated', '--data-dir', dataDir, '--json']).stdout).stageStates[1];
    expect(gate.actionStates[0].latestExecution.approvalDecision).toMatchObject({ status: 'Rejected', approver: 'ci', summary: 'not this one' });

    // A second approval mail would have gone out when an approval resumed; there is one per execution.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(approvalMails()).toHaveLength(2);
    expect(await serve.interrupt()).toBe(0);
  });
});

describe('sluice serve stopped with Ctrl-C', () => {
  it('leaves an execution waiting for an approval to the next serve, and stops the one whose build runs', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-restart-'));
    const repo = gitRepository({ 'app.txt': 'v1' }, 'feat: something to review');
    const declaration = (name: string, gate: ActionDeclaration) => ({
      name,
      stages: [
        gitSourceStage(repo.dir, { namespace: 'SourceVariables' }),
        { name: 'Gate', actions: [gate] },
        { name: 'Check', actions: [commandsOnSource('App', ['test "$(cat app.txt)" = v1'])] },
      ],
    });
    const approval: ActionDeclaration = { name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } };
    const sleeper = commandsOnSource('Sleep', ['sleep 30']);
    for (const [name, gate] of [
      ['restarted', approval],
      ['sleepy', sleeper],
    ] as const) {
      createPipeline(dataDir, declaration(name, gate));
    }
    const port = await freePort();
    const startServe = () => startSluice(['serve', '--port', String(port), '--quiet', '--data-dir', dataDir]);
    let serve = startServe();
    const current = () => serve;
    await serve.waitFor(/serving .* at http/);
    const status = (name: string) =>
      JSON.parse(sluice(['status', name, '--data-dir', dataDir, '--json']).stdout).stageStates[1]?.actionStates[0]?.latestExecution;
    const waiting = sluice(['start-pipeline-execution', 'restarted', '--data-dir', dataDir]).stdout.trim();
    const sleeping = sluice(['start-pipeline-execution', 'sleepy', '--data-dir', dataDir]).stdout.trim();
    await until(() => (status('restarted')?.token ? true : undefined), 'the approval to wait', current);
    await until(() => (status('sleepy')?.status === 'InProgress' ? true : undefined), 'the sleeping build to run', current);

    expect(await serve.interrupt()).toBe(0);
    serve = startServe();
    await serve.waitFor(/serving .* at http/);

    expect(serve.output()).toContain(`Resumed execution ${waiting} of restarted`);
    expect(executionSummary(dataDir, 'sleepy', sleeping)).toMatchObject({ status: 'Stopped' });
    expect(sluice(['approve', 'restarted', 'Gate', 'Review', '--summary', 'after the restart', '--data-dir', dataDir]).code).toBe(0);
    const ended = await executionEnd(dataDir, 'restarted', waiting, current);
    expect(ended.status).toBe('Succeeded');
    expect(await serve.interrupt()).toBe(0);
  });
});
