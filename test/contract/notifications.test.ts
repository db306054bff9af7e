import { enterStage } from '../support/step-engine';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ActionProvider } from '../../lib/actions/action-provider';
import { OutboxNotifier } from '../../lib/adapters/local/outbox-notifier';
import { SmtpNotifier } from '../../lib/adapters/local/smtp-notifier';
import type { ActionDeclaration, PipelineDeclaration } from '../../lib/core/declaration';
import { parseNotificationRules } from '../../lib/core/notification-rules';
import { runAction } from '../../lib/execution/action-steps';
import type { ExecutionDependencies } from '../../lib/execution/dependencies';
import { registerNotificationRules } from '../../lib/execution/notifications';
import { runStageStep } from '../../lib/execution/stage-steps';
import { startExecution } from '../../lib/execution/start-execution';
import { stackPerSuite } from '../support/embedded-stack';
import { testExecutionDependencies } from '../support/execution-deps';
import { readRawMail, type RawMail } from '../support/mail-message';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server';
import { runActionPayload } from '../support/task-payloads';
import { customProviderSpec } from '../support/test-providers';

/** Succeeds, logging one line. */
const passingProvider: ActionProvider = {
  spec: customProviderSpec('Source', 'Pass', 'Always succeeds.'),
  async run(context) {
    context.log('checked out\n');
    return { outputArtifacts: [], outputVariables: {} };
  },
};

/** Logs forty numbered lines, more than a mail carries, then fails. */
const noisyFailingProvider: ActionProvider = {
  spec: { ...passingProvider.spec, category: 'Test', provider: 'Fail', description: 'Always fails.' },
  async run(context) {
    for (let line = 1; line <= 40; line++) context.log(`test ${line} of 40\n`);
    throw new Error('3 tests failed');
  },
};

const checkout: ActionDeclaration = { name: 'Checkout', actionTypeId: { category: 'Source', owner: 'Custom', provider: 'Pass', version: '1' } };
const unitTests: ActionDeclaration = { name: 'UnitTests', actionTypeId: { category: 'Test', owner: 'Custom', provider: 'Fail', version: '1' } };
const webapp: PipelineDeclaration = {
  name: 'webapp',
  stages: [
    { name: 'Source', actions: [checkout] },
    { name: 'Test', actions: [unitTests] },
  ],
};

/** The rules the tests deliver by: failures of webapp to dev@ and ops@, those of `other` to other@, successes and approvals to dev@. */
const RULES = readFileSync(path.join(__dirname, '../fixtures/notification-rules/webapp.yml'), 'utf8');

describe('notification rules on a failing execution', () => {
  const suite = stackPerSuite();
  let smtp: TestSmtpServer;
  let deps: ExecutionDependencies;
  let outbox: OutboxNotifier;
  const printed: string[] = [];
  const warnings: string[] = [];

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    const workspaceRoot = path.join(suite.scratch, 'workspaces');
    await mkdir(workspaceRoot);
    const built = await testExecutionDependencies(suite.test, { providers: [passingProvider, noisyFailingProvider], workspaceRoot });
    deps = built.deps;
    outbox = new OutboxNotifier({ dataDir: suite.test.dataDir, from: 'sluice@localhost', write: (line) => printed.push(line) });
    const smtpNotifier = new SmtpNotifier({ host: '127.0.0.1', port: smtp.port, from: 'sluice@example.com' });
    registerNotificationRules(built.bus, parseNotificationRules(RULES, 'notifications.yml'), {
      store: deps.store,
      blobs: deps.blobs,
      artifactBucket: deps.artifactBucket,
      consoleUrl: () => 'http://localhost:4000',
      notifiers: [outbox, smtpNotifier],
      warn: (message) => warnings.push(message),
    });
  });

  afterAll(async () => {
    await smtp.stop();
  });

  it('sends exactly one FAILED mail to each target of the matching rule, naming the failing action with its log tail', async () => {
    // What the state machine does: each stage entered and left, the failing action caught and its stage failed.
    const { pipeline } = await startExecution(deps, {
      pipeline: webapp,
      version: 1,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' },
      variables: {},
    });
    await enterStage(deps, pipeline, 'Source');
    await runAction(deps, runActionPayload(pipeline, 'Source', checkout), new AbortController().signal);
    await runStageStep(deps, { step: 'exitStage', pipeline, stage: 'Source' });
    await enterStage(deps, pipeline, 'Test');
    await expect(runAction(deps, runActionPayload(pipeline, 'Test', unitTests), new AbortController().signal)).rejects.toThrow('3 tests failed');
    await runStageStep(deps, { step: 'failStage', pipeline, stage: 'Test', error: { Error: 'Sluice.ActionFailed', Cause: '3 tests failed' } });
    // A step that runs again announces nothing twice.
    await runStageStep(deps, { step: 'failStage', pipeline, stage: 'Test', error: { Error: 'Sluice.ActionFailed', Cause: '3 tests failed' } });

    const files = (await readdir(outbox.directory)).sort();
    const outboxMails = await Promise.all(files.map(async (file) => readRawMail(await readFile(path.join(outbox.directory, file)))));
    const smtpMails = smtp.mails.map((mail) => readRawMail(mail.raw));
    expect(warnings).toEqual([]);
    expect(smtp.mails.map((mail) => mail.to)).toEqual([['dev@example.com'], ['ops@example.com']]);
    expect(printed).toHaveLength(2);

    for (const mails of [outboxMails, smtpMails]) {
      expect(mails.map((mail) => [mail.headers.get('to'), mail.headers.get('subject')])).toEqual([
        ['dev@example.com', '[Sluice] webapp: pipeline execution FAILED'],
        ['ops@example.com', '[Sluice] webapp: pipeline execution FAILED'],
      ]);
      for (const mail of mails) expectFailureMail(mail, pipeline.executionId);
    }
  });

  it('reports a mail that cannot be sent, still sends it through the other notifiers, and fails nothing', async () => {
    const closed = await startTestSmtpServer();
    await closed.stop();
    const own = await testExecutionDependencies(suite.test, { providers: [noisyFailingProvider], workspaceRoot: path.join(suite.scratch, 'workspaces') });
    // Ids of their own: these dependencies would number executions from the same start as the first test's.
    own.deps.newId = randomUUID;
    const ownOutbox = new OutboxNotifier({ dataDir: path.join(suite.scratch, 'second'), from: 'sluice@localhost', write: () => {} });
    const reported: string[] = [];
    const [rule] = parseNotificationRules(RULES, 'notifications.yml');
    registerNotificationRules(own.bus, [{ ...rule!, targets: [{ type: 'email', address: 'dev@example.com' }] }], {
      store: own.deps.store,
      blobs: own.deps.blobs,
      artifactBucket: own.deps.artifactBucket,
      consoleUrl: () => 'http://localhost:4000',
      notifiers: [new SmtpNotifier({ host: '127.0.0.1', port: closed.port, from: 'sluice@example.com' }), ownOutbox],
      warn: (message) => reported.push(message),
    });

    const { pipeline } = await startExecution(own.deps, {
      pipeline: webapp,
      version: 1,
      trigger: { triggerType: 'StartPipelineExecution', triggerDetail: 'alice' },
      variables: {},
    });
    await enterStage(own.deps, pipeline, 'Test');
    await expect(runAction(own.deps, runActionPayload(pipeline, 'Test', unitTests), new AbortController().signal)).rejects.toThrow('3 tests failed');
    await runStageStep(own.deps, { step: 'failStage', pipeline, stage: 'Test', error: { Error: 'Sluice.ActionFailed', Cause: '3 tests failed' } });

    expect(reported).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Notification rule webapp-failures: could not mail dev@example.com about webapp execution ${pipeline.executionId} \\(CodePipeline Pipeline Execution State Change, FAILED\\): .*ECONNREFUSED`,
        ),
      ),
    ]);
    expect(await readdir(ownOutbox.directory)).toHaveLength(1);
    expect(await own.deps.store.getExecution(pipeline.executionId)).toMatchObject({ status: 'Failed' });
  });
});

function expectFailureMail(mail: RawMail, executionId: string): void {
  const tail = [...Array.from({ length: 28 }, (_, index) => `| test ${index + 13} of 40`), '|', '| 3 tests failed'];
  expect(mail.text).toContain(`Execution: ${executionId}\nState:     FAILED\nSummary:   Test/UnitTests failed: 3 tests failed\n`);
  expect(mail.text).toContain(`Failing action: Test/UnitTests\nError: 3 tests failed (Sluice.ActionFailed)\n\nLast 30 lines of its log:\n${tail.join('\n')}\n`);
  expect(mail.text).not.toContain('test 12 of 40');
  expect(mail.text).toContain(
    `Execution: http://localhost:4000/executions/${executionId}\nLog:       http://localhost:4000/executions/${executionId}/logs?action=Test/UnitTests\n`,
  );
}
