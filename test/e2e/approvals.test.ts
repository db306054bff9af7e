import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { createPipeline, killStartedSluice, sluice, startSluice, until as waitUntil, type RunningCli } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { readRawMail } from '../support/mail-message';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { commandsOnSource, gitSourceStage } from '../support/declarations';
import { GATED_APPROVERS_RULE, writeNotificationRules } from '../support/notification-rules';

jest.setTimeout(90_000);

let dataDir: string;
let serve: RunningCli;
let smtp: TestSmtpServer;

const mailsTo = (address: string) => smtp.mails.filter((mail) => mail.to.includes(address)).map((mail) => readRawMail(mail.raw));
/** The approval links, in the order the approval mails arrived over SMTP. */
const approvalLinks = () => mailsTo('approver@example.com').map((mail) => /Review and decide here: (\S+)/.exec(mail.text)![1]!);

const until = <T>(probe: () => T | undefined, what: string) => waitUntil(probe, what, serve);

/** Starts an execution under sluice serve and returns its id and approval link. */
async function startAndWaitForApproval(): Promise<{ executionId: string; link: string }> {
  const before = approvalLinks().length;
  const started = sluice(['start-pipeline-execution', 'gated', '--data-dir', dataDir]);
  expect(started.code).toBe(0);
  const link = await until(() => approvalLinks()[before], 'the approval mail');
  return { executionId: started.stdout.trim(), link };
}

function execution(executionId: string) {
  const listed = JSON.parse(sluice(['executions', 'gated', '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries;
  return listed.find((entry: { pipelineExecutionId: string }) => entry.pipelineExecutionId === executionId) as { status: string; statusSummary?: string };
}

const finished = (executionId: string) =>
  until(() => {
    const current = execution(executionId);
    return current.status === 'InProgress' ? undefined : current;
  }, `execution ${executionId} to end`);

function reviewState() {
  const state = JSON.parse(sluice(['status', 'gated', '--data-dir', dataDir, '--json']).stdout);
  return state.stageStates[1] as {
    latestExecution: { pipelineExecutionId: string; status: string };
    actionStates: {
      latestExecution: { status: string; token?: string; summary?: string; approvalDecision?: Record<string, string>; errorDetails?: { message: string } };
    }[];
  };
}

async function formNonce(link: string): Promise<string> {
  const page = await (await fetch(link)).text();
  return /name="nonce" value="([^"]+)"/.exec(page)![1]!;
}

const post = (link: string, fields: Record<string, string>) =>
  fetch(link, { method: 'POST', body: new URLSearchParams(fields), headers: { 'user-agent': 'approval-test/1.0' } });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-approvals-'));
  const repo = gitRepository({ 'app.txt': 'v1' }, 'feat: something to review');
  createPipeline(dataDir, {
    name: 'gated',
    stages: [
      gitSourceStage(repo.dir),
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
      { name: 'Ship', actions: [commandsOnSource('Echo', ['echo shipped'])] },
    ],
  });
  writeNotificationRules(dataDir, [
    ...GATED_APPROVERS_RULE,
    '  - name: failures',
    '    eventTypeIds: [codepipeline-pipeline-pipeline-execution-failed]',
    '    targets: [{ type: email, address: team@example.com }]',
  ]);
  smtp = await startTestSmtpServer();
  serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir], {
    env: { SLUICE_SMTP_HOST: '127.0.0.1', SLUICE_SMTP_PORT: String(smtp.port) },
  });
  await serve.waitFor(/serving .* at http/);
});

afterAll(async () => {
  await serve.interrupt();
  killStartedSluice();
  await smtp.stop();
});

describe('approval links under sluice serve', () => {
  it("decides nothing on GET and HEAD, however often, and goes on after the POST with the page's nonce", async () => {
    const { executionId, link } = await startAndWaitForApproval();
    for (let fetches = 0; fetches < 100; fetches += 1) {
      const response = await fetch(link, { method: fetches % 2 === 0 ? 'GET' : 'HEAD' });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    const page = await (await fetch(link)).text();
    expect(page).toContain('Check the release notes');
    expect(page).toContain('feat: something to review');
    expect(page).not.toMatch(/<script/i);
    expect(reviewState().actionStates[0]!.latestExecution.status).toBe('InProgress');
    expect(execution(executionId).status).toBe('InProgress');

    const approved = await post(link, { nonce: await formNonce(link), decision: 'approve', approver: 'Ada', comment: 'ship it' });
    expect(approved.status).toBe(200);
    expect((await finished(executionId)).status).toBe('Succeeded');
    const decision = reviewState().actionStates[0]!.latestExecution.approvalDecision!;
    expect(decision).toMatchObject({ status: 'Approved', approver: 'Ada', summary: 'ship it', userAgent: 'approval-test/1.0' });
    expect(decision.ip).toMatch(/127\.0\.0\.1/);
    expect(sluice(['status', 'gated', '--data-dir', dataDir]).stdout).toContain('Approved by Ada at');
  });

  it('refuses a forged id or nonce with 403, and a replayed POST with who decided and when', async () => {
    const { executionId, link } = await startAndWaitForApproval();
    const forgedId = new URL(`/approvals/${randomBytes(24).toString('base64url')}`, link).href;
    expect((await fetch(forgedId)).status).toBe(403);
    expect((await post(forgedId, { nonce: await formNonce(link), decision: 'approve' })).status).toBe(403);
    expect((await post(link, { nonce: randomBytes(24).toString('base64url'), decision: 'approve' })).status).toBe(403);
    expect(execution(executionId).status).toBe('InProgress');

    const nonce = await formNonce(link);
    expect((await post(link, { nonce, decision: 'approve', approver: 'Grace' })).status).toBe(200);
    const replay = await post(link, { nonce, decision: 'reject', approver: 'Mallory' });
    expect(replay.status).toBe(409);
    expect(await replay.text()).toMatch(/Already approved by Grace at \d{4}-\d\d-\d\dT/);
    expect((await finished(executionId)).status).toBe('Succeeded');
  });

  it('fails the stage and the pipeline when rejected', async () => {
    const { executionId, link } = await startAndWaitForApproval();
    expect((await post(link, { nonce: await formNonce(link), decision: 'reject', approver: 'Linus', comment: 'tests are red' })).status).toBe(200);
    const ended = await finished(executionId);
    expect(ended.status).toBe('Failed');
    expect(ended.statusSummary).toContain('Rejected by Linus: tests are red');
    const gate = reviewState();
    expect(gate.latestExecution.status).toBe('Failed');
    expect(gate.actionStates[0]!.latestExecution.status).toBe('Failed');

    const failed = await until(() => {
      const mails = mailsTo('team@example.com').filter((mail) => mail.text.includes(executionId));
      return mails.length > 0 ? mails : undefined;
    }, 'the FAILED mail');
    // A second FAILED mail would follow the first at once; give it the chance to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(mailsTo('team@example.com').filter((mail) => mail.text.includes(executionId))).toHaveLength(1);
    expect(failed[0]!.headers.get('subject')).toContain('FAILED');
    expect(failed[0]!.text).toContain('Gate/Review');
    expect(failed[0]!.text).toContain('Rejected by Linus: tests are red');
  });

  it('keeps each mail in the outbox as an .eml file too', () => {
    const outbox = path.join(dataDir, 'outbox');
    const files = readdirSync(outbox).filter((name) => name.endsWith('.eml'));
    expect(files.length).toBeGreaterThanOrEqual(smtp.mails.length);
    const approval = files.map((name) => readRawMail(readFileSync(path.join(outbox, name)))).find((mail) => mail.text.includes('Review and decide here'));
    expect(approval?.headers.get('to')).toContain('approver@example.com');
    expect(approval?.text).not.toContain('taskToken');
  });

  it('decides through PutApprovalResult with sluice approve, using the token status shows', async () => {
    const { executionId } = await startAndWaitForApproval();
    expect(reviewState().actionStates[0]!.latestExecution.token).toEqual(expect.any(String));
    const approved = sluice(['approve', 'gated', 'Gate', 'Review', '--summary', 'automated check passed', '--approver', 'ci', '--data-dir', dataDir]);
    expect(approved.code).toBe(0);
    expect((await finished(executionId)).status).toBe('Succeeded');
    const again = sluice(['approve', 'gated', 'Gate', 'Review', '--summary', 'again', '--data-dir', dataDir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not waiting for an approval');
  });
});

describe('an approval in a one-shot sluice run', () => {
  it('serves the approval page itself, prints the link, and ends when someone decides', async () => {
    const ownData = mkdtempSync(path.join(tmpdir(), 'sluice-run-approval-'));
    const file = path.join(dataDir, 'gated.json');
    const run = startSluice(['run', file, '--quiet', '--data-dir', ownData]);
    const [, link] = await run.waitFor(/waiting for approval: (\S+)/, 60_000);
    const outbox = path.join(ownData, 'outbox');
    const mailed = readdirSync(outbox)
      .map((name) => readRawMail(readFileSync(path.join(outbox, name))))
      .find((mail) => mail.text.includes(link!));
    expect(mailed?.headers.get('to')).toBe('approvers@localhost');
    expect((await post(link!, { nonce: await formNonce(link!), decision: 'approve', approver: 'Ada' })).status).toBe(200);
    expect(await run.exit).toBe(0);
    expect(run.output()).toContain('gated: succeeded');
  });
});
