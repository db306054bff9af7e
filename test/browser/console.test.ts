import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { killStartedSluice, sluice, startSluice, succeeded, writeDeclaration, type RunningCli } from '../support/cli';
import { launchConsoleBrowser, type ConsoleBrowser } from '../support/console-browser';
import { commandsOnSource, gitSourceStage, reviewStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(240_000);

let serve: RunningCli;
let dataDir: string;
let browser: ConsoleBrowser;
/** Build/Test fails until this file exists: the test creates it once it has seen the failure. */
let releaseMarker: string;

const PIPELINE = 'console-demo';

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

/** A one-time sign-in link, as `sluice console --no-open` prints it. */
const signInLink = () => /(http:\/\/\S+#sign-in=\S+)/.exec(succeeded(sluice(['console', '--no-open', '--data-dir', dataDir])).stdout)![1]!;

const card = (action: string) => browser.page.locator(`[data-action="${action}"]`);
const cardStatus = (action: string, status: string) => browser.page.locator(`[data-action="${action}"] [data-status="${status}"]`);

/** Confirms the dialog the last click opened, filling its fields first. */
async function confirm(button: string, fields: Record<string, string> = {}): Promise<void> {
  const dialog = browser.page.getByRole('dialog');
  await dialog.waitFor();
  for (const [label, value] of Object.entries(fields)) await dialog.getByLabel(label).fill(value);
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-console-'));
  releaseMarker = path.join(mkdtempSync(path.join(os.tmpdir(), 'sluice-console-marks-')), 'release-ready');
  // Registered before serve runs, so that no first execution starts: the console starts it.
  succeeded(sluice(['create-pipeline', writeDeclaration(dataDir, pipeline(gitRepository({ 'app.txt': 'v1' }, 'Release v1').dir)), '--data-dir', dataDir]));
  serve = startSluice(['serve', '--port', '0', '--data-dir', dataDir]);
  await serve.waitFor(/serving .* at (http:\/\/\S+)/);
  browser = await launchConsoleBrowser();
});

afterAll(async () => {
  await browser?.close();
  await serve?.interrupt();
  killStartedSluice();
});

afterEach(() => {
  expect(browser.errors).toEqual([]);
});

describe('the console, in Chromium, against sluice serve', () => {
  it('asks a visitor without a session to run sluice console, and refuses a sign-in link used twice', async () => {
    const link = signInLink();
    const origin = new URL(link).origin;
    const page = await browser.context.newPage();
    await page.goto(`${origin}/`);
    await page.getByText('Run `sluice console` to open the console signed in.').waitFor();

    await page.goto(link);
    await page.getByRole('heading', { name: 'Pipelines' }).waitFor();
    // The code left the address bar at once, and the session is held for this origin.
    expect(new URL(page.url()).hash).not.toContain('sign-in');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto(link);
    await page.getByText(/sluice console/).waitFor();
    expect(await page.getByRole('heading', { name: 'Pipelines' }).count()).toBe(0);
    await page.close();
    // The refusal is the one error: Chromium logs every answer of 400 or more.
    expect(browser.errors).toEqual([expect.stringMatching(/status of 401 \(Unauthorized\) \(http:\S+\/console\/sessions\)$/)]);
    browser.errors.length = 0;
  });

  it('runs a pipeline from the console: start, live progress, approval with a comment, the failure and its log, a retry, success', async () => {
    const { page } = browser;
    await page.goto(signInLink());
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

    // From the keyboard: Escape closes a dialog and gives the focus back to its button; the
    // dialog takes the focus, its comment first, then Cancel, then its own button.
    const reject = card('Review/Sign-off').getByRole('button', { name: 'Reject' });
    await reject.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Reject Sign-off' }).waitFor();
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
      .getByText(/Approved by .*: Looks good to ship/)
      .waitFor({ timeout: 30_000 });
    await cardStatus('Build/Test', 'Failed').waitFor({ timeout: 90_000 });
    await card('Build/Test').getByText(`test -f ${releaseMarker}`).waitFor();

    await card('Build/Test').getByRole('link', { name: 'Test' }).click();
    await page.getByRole('heading', { name: 'Build / Test' }).waitFor();
    await page.locator('pre.log').getByText('looking for the release marker').waitFor({ timeout: 30_000 });
    await page.locator('.failure').getByText(`test -f ${releaseMarker}`).waitFor();

    writeFileSync(releaseMarker, '');
    await page.goBack();
    await retry.waitFor();
    expect(await retry.getAttribute('aria-disabled')).toBeNull();
    await retry.click();
    await confirm('Retry');
    await cardStatus('Build/Test', 'Succeeded').waitFor({ timeout: 90_000 });
    await page.locator('[data-stage="Build"] header [data-status="Succeeded"]').waitFor();
    expect(await page.evaluate(() => (globalThis as { sluiceTestMark?: string }).sluiceTestMark)).toBe('not reloaded');
  });
});
