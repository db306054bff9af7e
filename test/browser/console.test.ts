import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { accessibilityViolations } from '../support/axe';
import { startConsoleSession, type ConsoleSession } from '../support/console-session';
import { commandsOnSource, gitSourceStage, reviewStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(240_000);

let session: ConsoleSession;
/** Build/Test fails until this file exists: the test creates it once it has seen the failure. */
let releaseMarker: string;

const PIPELINE = 'console-demo';
/** A pipeline for the other operations: a variable, and an approval that holds each execution. */
const OPERATIONS = 'console-operations';

/** Source, then a Manual approval, then a Commands action that fails while the release marker is missing. */
function pipeline(repository: string): PipelineDeclaration {
  return {
    name: PIPELINE,
    pipelineType: 'V2',
    stages: [
      gitSourceStage(repository),
      reviewStage('Sign-off'),
      { name: 'Build', actions: [commandsOnSource('Test', ['echo "looking for the release marker"', `test -f ${releaseMarker}`])] },
    ],
  };
}

function operationsPipeline(repository: string): PipelineDeclaration {
  return {
    name: OPERATIONS,
    pipelineType: 'V2',
    variables: [{ name: 'Target', defaultValue: 'staging' }],
    stages: [
      gitSourceStage(repository),
      { name: 'Hold', actions: [{ name: 'Go', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
      { name: 'Deploy', actions: [commandsOnSource('Publish', ['echo "to #{variables.Target}"'])] },
    ],
  };
}

beforeAll(async () => {
  releaseMarker = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-console-marks-')), 'release-ready');
  const repository = gitRepository({ 'app.txt': 'v1' }, 'Release v1').dir;
  session = await startConsoleSession([pipeline(repository), operationsPipeline(repository)]);
});

afterAll(async () => {
  await session?.close();
});

afterEach(() => {
  expect(session.browser.errors).toEqual([]);
});

describe('the console, in Chromium, against sluice serve', () => {
  it('asks a visitor without a session to run sluice console, and refuses a sign-in link used twice', async () => {
    const link = session.signInLink();
    const origin = new URL(link).origin;
    const page = await session.browser.context.newPage();
    await page.goto(`${origin}/`);
    await page.getByText('Run `sluice console` to open the console signed in.').waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    await page.goto(link);
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    // The code left the address bar at once, and the session is held for this origin.
    expect(new URL(page.url()).hash).not.toContain('sign-in');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(link);
    await page.getByText(/sluice console/).waitFor();
    expect(await page.getByRole('heading', { name: 'Pipelines' }).count()).toBe(0);
    await page.close();
    expect(session.refusalsLogged()).toEqual([expect.stringMatching(/status of 401 \(Unauthorized\) \(http:\S+\/console\/sessions\)$/)]);
  });

  it('runs a pipeline from the console: start, live progress, approval with a comment, the failure and its log, a retry, success', async () => {
    const { page } = session.browser;
    const { card, cardStatus, confirm } = session;
    await page.goto(session.signInLink());
    await page.getByRole('link', { name: OPERATIONS }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('link', { name: PIPELINE }).click();
    await cardStatus('Source/Checkout', 'NotRun').waitFor();
    // Nothing has failed: retrying is shown, disabled, with the reason.
    const retry = page.locator('[data-stage="Build"]').getByRole('button', { name: 'Retry failed actions' });
    expect(await retry.getAttribute('aria-disabled')).toBe('true');
    const reason = page.locator(`[id="${await retry.getAttribute('aria-describedby')}"]`);
    expect(await reason.textContent()).toBe('This stage has not run yet.');
    await page.locator('[data-stage="Build"]').getByText('Retry: This stage has not run yet.').waitFor();
    // A reload would lose this mark: every change below must reach the page without one.
    await page.evaluate(() => Object.assign(globalThis, { sluiceTestMark: 'not reloaded' }));

    await page.getByRole('button', { name: 'Start execution' }).click();
    await confirm('Start');
    await cardStatus('Source/Checkout', 'Succeeded').waitFor({ timeout: 60_000 });
    await card('Source/Checkout').getByText('Release v1').waitFor();
    await cardStatus('Review/Sign-off', 'WaitingForApproval').waitFor({ timeout: 60_000 });
    expect(await accessibilityViolations(page)).toEqual([]);

    // From the keyboard: Escape closes a dialog and gives the focus back to its button; the
    // dialog takes the focus, its comment first, then Cancel, then its own button.
    const reject = card('Review/Sign-off').getByRole('button', { name: 'Reject' });
    await reject.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Reject Sign-off' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await reject.evaluate((button) => button === button.ownerDocument.activeElement)).toBe(true);
    await card('Review/Sign-off').getByRole('button', { name: 'Approve' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Approve Sign-off' }).waitFor();
    await page.keyboard.type('Looks good to ship');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await card('Review/Sign-off')
      // Decided by the signed-in user, whom the session names, not by an anonymous API.
      .getByText(`Approved by ${os.userInfo().username}: Looks good to ship`)
      .waitFor({ timeout: 30_000 });
    await cardStatus('Build/Test', 'Failed').waitFor({ timeout: 90_000 });
    await card('Build/Test').getByText(`test -f ${releaseMarker}`).waitFor();

    await card('Build/Test').getByRole('link', { name: 'Test' }).click();
    await page.getByRole('heading', { name: 'Build / Test' }).waitFor();
    await page.locator('pre.log').getByText('looking for the release marker').waitFor({ timeout: 30_000 });
    await page.locator('.failure').getByText(`test -f ${releaseMarker}`).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // The input artifact downloads as its zip, read with the session (a plain link could not send it).
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Src.zip' }).click()]);
    expect(download.suggestedFilename()).toBe('Src.zip');
    const zip = readFileSync(await download.path());
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\x03\x04');
    expect(zip.includes('app.txt')).toBe(true);

    writeFileSync(releaseMarker, '');
    await page.goBack();
    await retry.waitFor();
    expect(await retry.getAttribute('aria-disabled')).toBeNull();
    await retry.click();
    await confirm('Retry');
    await cardStatus('Build/Test', 'Succeeded').waitFor({ timeout: 90_000 });
    await page.locator('[data-stage="Build"] header [data-status="Succeeded"]').waitFor();
    expect(await page.evaluate(() => (globalThis as { sluiceTestMark?: string }).sluiceTestMark)).toBe('not reloaded');

    // The history: the one execution, Succeeded after its retry, and no Failed one.
    await page.getByRole('link', { name: 'Execution history' }).click();
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('Status').selectOption('Failed');
    await page.getByText('No execution matches these filters.').waitFor();
    await page.getByLabel('Status').selectOption('Succeeded');
    await page.getByLabel('Trigger').selectOption('StartPipelineExecution');
    await rows.first().getByRole('link').click();
    const timeline = page.getByRole('figure', { name: /^Timeline of the execution/ });
    await timeline.waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    // Started by the signed-in user, whom the trigger names as CodePipeline names the caller.
    await page.getByText(`(${os.userInfo().username})`, { exact: true }).waitFor();
    expect(await timeline.getAttribute('aria-label')).toMatch(
      /Source Succeeded .*; Checkout Succeeded .*; Review Succeeded .*; Sign-off Succeeded .*; Build Succeeded .*; Test Succeeded/,
    );

    // Rolling Build back runs it alone again, in a new execution of type ROLLBACK, which the history lists.
    await page.getByRole('link', { name: PIPELINE, exact: true }).click();
    await page.locator('[data-stage="Build"]').getByRole('button', { name: 'Roll back' }).click();
    await confirm('Roll back');
    await page.getByRole('link', { name: 'Execution history' }).click();
    await page.getByLabel('Trigger').selectOption('ManualRollback');
    await rows.first().getByText('Rollback by hand').waitFor();
    expect(await rows.count()).toBe(1);
  });

  it('disables and enables a transition with a reason, starts an execution with a variable, and stops it, abandoning its approval', async () => {
    const { page } = session.browser;
    const { cardStatus, confirm } = session;
    await page.goto(`${session.origin}/#/pipelines/${OPERATIONS}`);
    const transition = page.locator('[data-transition="Deploy"]');
    await transition.getByRole('button', { name: 'Disable transition' }).click();
    // A reason CodePipeline would refuse is refused, and the dialog stays open, saying why.
    const dialog = page.getByRole('dialog', { name: 'Disable the transition into Deploy' });
    await dialog.getByLabel('Reason').fill('<b>not this</b>');
    await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
    await dialog
      .getByRole('alert')
      .getByText(/DisabledReason/)
      .waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    expect(session.refusalsLogged()).toEqual([expect.stringMatching(/status of 400 \(Bad Request\) \(http:\S+\/stages\/Deploy\/disable-transition\)$/)]);
    await dialog.getByLabel('Reason').fill('Release window opens Friday');
    await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
    await transition.getByText(/^Disabled by .*: Release window opens Friday$/).waitFor();
    await transition.getByRole('button', { name: 'Enable transition' }).click();
    await confirm('Enable');
    await transition.getByRole('button', { name: 'Disable transition' }).waitFor();

    await page.getByRole('button', { name: 'Start execution' }).click();
    await confirm('Start', { Target: 'production' });
    await cardStatus('Hold/Go', 'WaitingForApproval').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Stop execution' }).click();
    await page
      .getByRole('dialog')
      .getByLabel(/Stop and abandon/)
      .check();
    expect(await accessibilityViolations(page)).toEqual([]);
    await confirm('Stop', { Reason: 'Wrong target' });
    await cardStatus('Hold/Go', 'Abandoned').waitFor({ timeout: 30_000 });
    await page.locator('.toolbar').getByText('No execution is running.').waitFor();

    await page
      .locator('[data-stage="Hold"]')
      .getByRole('link', { name: /^Execution / })
      .click();
    await page.locator('.facts [data-status="Stopped"]').waitFor();
    await page.getByText('Wrong target').waitFor();
    const variable = page.locator('.facts dt', { hasText: 'Variable Target' });
    expect(await variable.locator('xpath=following-sibling::dd[1]').textContent()).toBe('production');
  });

  it('follows an execution by polling where the server cannot stream, as on AWS: the same routes, no stream, and artifacts through the URL the route answers', async () => {
    const page = await session.browser.context.newPage();
    // Only the configuration differs on AWS; what the page then asks, this server answers as API Gateway would.
    await page.route('**/console/config.json', (route) => route.fulfill({ json: { auth: { kind: 'local' }, live: 'poll' } }));
    const streamed: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/stream')) streamed.push(request.url());
    });
    await page.goto(`${session.origin}/#/pipelines/${OPERATIONS}`);
    await page.getByRole('button', { name: 'Start execution' }).click();
    const card = (action: string) => page.locator(`[data-action="${action}"]`);
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Start', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await card('Hold/Go').locator('[data-status="WaitingForApproval"]').waitFor({ timeout: 60_000 });
    await card('Hold/Go').getByRole('button', { name: 'Approve' }).click();
    await dialog.getByRole('button', { name: 'Approve', exact: true }).click();
    await card('Deploy/Publish').locator('[data-status="Succeeded"]').waitFor({ timeout: 60_000 });
    await card('Deploy/Publish').getByRole('link', { name: 'Publish' }).click();
    await page.locator('pre.log').getByText('to staging').first().waitFor({ timeout: 30_000 });
    expect(streamed).toEqual([]);

    // On AWS an artifact's route answers a presigned S3 URL, which the page follows: a local server stands in for S3.
    const zip = Buffer.from('PK\x03\x04 the zip that S3 holds', 'latin1');
    const fetched: string[] = [];
    const bucket = createServer((request, response) => {
      fetched.push(request.url!);
      response.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="Src.zip"' });
      response.end(zip);
    });
    await new Promise<void>((listening) => bucket.listen(0, '127.0.0.1', listening));
    try {
      const object = `http://127.0.0.1:${(bucket.address() as AddressInfo).port}/sluice-artifacts/Src.zip?X-Amz-Signature=stand-in`;
      await page.route('**/console/api/executions/*/artifacts/Src', (route) =>
        route.fulfill({ json: { url: object, expiresAt: new Date(Date.now() + 300_000).toISOString() } }),
      );
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download Src.zip' }).click()]);
      expect(download.url()).toBe(object);
      expect(download.suggestedFilename()).toBe('Src.zip');
      expect(readFileSync(await download.path())).toEqual(zip);
      expect(fetched).toEqual(['/sluice-artifacts/Src.zip?X-Amz-Signature=stand-in']);
    } finally {
      bucket.close();
    }
    await page.close();
  });
});
