import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { sluice, sluiceExecutionCommands, succeeded } from '../support/cli';
import { startConsoleSession, type ConsoleSession } from '../support/console-session';
import { commandsOnSource, gitSourceStage, reviewStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(240_000);

let session: ConsoleSession;
/** Files the pipelines' commands wait for: each test creates one once it has seen what must happen before. */
let marks: string;

/** A Manual approval, then a stage that must not run once it is rejected. */
const REJECTION = 'console-rejection';
/** A stage of two parallel actions, one of which fails until its mark exists. */
const RETRY = 'console-retry-stage';
/** A stage whose action runs until its mark exists, then a stage that must not start once the execution is stopped. */
const STOP = 'console-stop-wait';

const mark = (name: string) => path.join(marks, name);

function declarations(repository: string): PipelineDeclaration[] {
  return [
    {
      name: REJECTION,
      pipelineType: 'V2',
      stages: [gitSourceStage(repository), reviewStage('Sign-off'), { name: 'Build', actions: [commandsOnSource('Test', ['echo built'])] }],
    },
    {
      name: RETRY,
      pipelineType: 'V2',
      stages: [
        gitSourceStage(repository),
        { name: 'Check', actions: [commandsOnSource('Lint', ['echo linted']), commandsOnSource('Verify', [`test -f ${mark('verified')}`])] },
      ],
    },
    {
      name: STOP,
      pipelineType: 'V2',
      stages: [
        gitSourceStage(repository),
        { name: 'Deploy', actions: [commandsOnSource('Roll', [`while [ ! -f ${mark('rolled')} ]; do sleep 0.1; done`, 'echo rolled out'])] },
        { name: 'Verify', actions: [commandsOnSource('Smoke', ['echo smoke'])] },
      ],
    },
  ];
}

interface ActionRun {
  pipelineExecutionId: string;
  stageName: string;
  actionName: string;
  status: string;
}

/** The pipeline's action executions as the server lists them (ListActionExecutions), oldest first, as `Stage/Action Status`. */
function actionRuns(pipeline: string, executionId: string): string[] {
  const listed = sluice(['list-action-executions', pipeline, '--execution-id', executionId, '--json', '--data-dir', session.dataDir]);
  const runs = (JSON.parse(succeeded(listed).stdout) as { actionExecutionDetails: ActionRun[] }).actionExecutionDetails;
  return runs.map((run) => `${run.stageName}/${run.actionName} ${run.status}`).reverse();
}

/** The pipeline's one execution, as the server lists it. */
function onlyExecution(pipeline: string): { pipelineExecutionId: string; status: string } {
  const listed = JSON.parse(succeeded(sluice(['executions', pipeline, '--json', '--data-dir', session.dataDir])).stdout) as {
    pipelineExecutionSummaries: { pipelineExecutionId: string; status: string }[];
  };
  expect(listed.pipelineExecutionSummaries).toHaveLength(1);
  return listed.pipelineExecutionSummaries[0]!;
}

/** Opens the pipeline's view and starts an execution from it. */
async function startFromTheConsole(pipeline: string): Promise<void> {
  await session.browser.page.goto(`${session.origin}/#/pipelines/${pipeline}`);
  await session.browser.page.getByRole('button', { name: 'Start execution' }).click();
  await session.confirm('Start');
}

beforeAll(async () => {
  marks = mkdtempSync(path.join(os.tmpdir(), 'sluice-console-marks-'));
  session = await startConsoleSession(declarations(gitRepository({ 'app.txt': 'v1' }, 'Release v1').dir));
  await session.browser.page.goto(session.signInLink());
  await session.browser.page.getByRole('heading', { name: 'Pipelines' }).waitFor();
});

afterAll(async () => {
  await session?.close();
});

afterEach(() => {
  expect(session.browser.errors).toEqual([]);
});

describe('the console ends and reruns executions, in Chromium, against sluice serve', () => {
  it('rejects an approval with a comment: the approval fails, decided by the signed-in user, and with it the execution', async () => {
    const { page } = session.browser;
    const { card, cardStatus, confirm } = session;
    await startFromTheConsole(REJECTION);
    await cardStatus('Review/Sign-off', 'WaitingForApproval').waitFor({ timeout: 60_000 });

    await card('Review/Sign-off').getByRole('button', { name: 'Reject' }).click();
    await page.getByRole('dialog', { name: 'Reject Sign-off' }).waitFor();
    await confirm('Reject', { Comment: 'Not before the audit' });
    await cardStatus('Review/Sign-off', 'Failed').waitFor({ timeout: 30_000 });
    await card('Review/Sign-off').getByText(`Rejected by ${os.userInfo().username}: Not before the audit`).waitFor();
    await page.locator('[data-stage="Review"] header [data-status="Failed"]').waitFor();
    await cardStatus('Build/Test', 'NotRun').waitFor();

    const execution = onlyExecution(REJECTION);
    expect(execution.status).toBe('Failed');
    expect(actionRuns(REJECTION, execution.pipelineExecutionId)).toEqual(['Source/Checkout Succeeded', 'Review/Sign-off Failed']);
    const review = (await sluiceExecutionCommands(session.dataDir).stages<{ stageName: string; actionStates: unknown[] }>(REJECTION)).find(
      (stage) => stage.stageName === 'Review',
    );
    expect(review?.actionStates).toEqual([
      expect.objectContaining({
        latestExecution: expect.objectContaining({
          status: 'Failed',
          approvalDecision: expect.objectContaining({ status: 'Rejected', approver: os.userInfo().username, summary: 'Not before the audit' }),
        }),
      }),
    ]);
  });

  it('retries a failed stage whole: the action that succeeded runs again beside the one that failed', async () => {
    const { page } = session.browser;
    const { cardStatus, confirm } = session;
    await startFromTheConsole(RETRY);
    await cardStatus('Check/Verify', 'Failed').waitFor({ timeout: 90_000 });
    await cardStatus('Check/Lint', 'Succeeded').waitFor();
    await page.locator('[data-stage="Check"] header [data-status="Failed"]').waitFor();

    writeFileSync(mark('verified'), '');
    await page.locator('[data-stage="Check"]').getByRole('button', { name: 'Retry stage' }).click();
    await confirm('Retry');
    await page.locator('[data-stage="Check"] header [data-status="Succeeded"]').waitFor({ timeout: 90_000 });
    await cardStatus('Check/Verify', 'Succeeded').waitFor();
    await cardStatus('Check/Lint', 'Succeeded').waitFor();

    // One execution, retried in place, in which both actions ran twice.
    const execution = onlyExecution(RETRY);
    expect(execution.status).toBe('Succeeded');
    const runs = actionRuns(RETRY, execution.pipelineExecutionId);
    expect(runs.filter((run) => run.startsWith('Check/Lint'))).toEqual(['Check/Lint Succeeded', 'Check/Lint Succeeded']);
    expect(runs.filter((run) => run.startsWith('Check/Verify'))).toEqual(['Check/Verify Failed', 'Check/Verify Succeeded']);
    expect(runs.filter((run) => run.startsWith('Source/'))).toEqual(['Source/Checkout Succeeded']);
  });

  it('stops an execution and waits: it shows Stopping while its action runs on, which finishes, then Stopped, and no further stage starts', async () => {
    const { page } = session.browser;
    const { cardStatus, confirm } = session;
    await startFromTheConsole(STOP);
    await cardStatus('Deploy/Roll', 'InProgress').waitFor({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Stop execution' }).click();
    expect(
      await page
        .getByRole('dialog')
        .getByLabel(/Stop and wait/)
        .isChecked(),
    ).toBe(true);
    await confirm('Stop', { Reason: 'Hold the release' });
    await page.locator('.toolbar').getByText('The execution is Stopping.').waitFor({ timeout: 30_000 });
    const { pipelineExecutionId } = onlyExecution(STOP);
    expect(onlyExecution(STOP).status).toBe('Stopping');
    // The action was not abandoned: it runs on.
    expect(actionRuns(STOP, pipelineExecutionId)).toEqual(['Source/Checkout Succeeded', 'Deploy/Roll InProgress']);
    await page.locator('.toolbar').getByRole('link', { name: /./ }).click();
    await page.locator('.facts [data-status="Stopping"]').waitFor();

    writeFileSync(mark('rolled'), '');
    await page.locator('.facts [data-status="Stopped"]').waitFor({ timeout: 60_000 });
    await page.getByText('Hold the release').waitFor();
    expect(onlyExecution(STOP).status).toBe('Stopped');
    expect(actionRuns(STOP, pipelineExecutionId)).toEqual(['Source/Checkout Succeeded', 'Deploy/Roll Succeeded']);

    await page.getByRole('link', { name: STOP, exact: true }).click();
    await cardStatus('Deploy/Roll', 'Succeeded').waitFor();
    await cardStatus('Verify/Smoke', 'NotRun').waitFor();
    await page.locator('.toolbar').getByText('No execution is running.').waitFor();
  });
});
