import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { killStartedSluice, sluice, startSluice, succeeded, writeDeclaration, type RunningCli } from './cli';
import { launchConsoleBrowser, type ConsoleBrowser } from './console-browser';

/** A `sluice serve` on a fresh data dir, a Chromium to drive its console, and the steps the browser tests share. */
export interface ConsoleSession {
  dataDir: string;
  serve: RunningCli;
  /** The console's origin, as serve prints it. */
  origin: string;
  browser: ConsoleBrowser;
  /** A one-time sign-in link, as `sluice console --no-open` prints it. */
  signInLink(): string;
  /** The action card of `Stage/Action` on the browser's first page. */
  card(action: string): Locator;
  /** That card's status badge, once it shows `status`. */
  cardStatus(action: string, status: string): Locator;
  /** Confirms the dialog the last click opened, filling its fields first. */
  confirm(button: string, fields?: Record<string, string>): Promise<void>;
  /** The errors logged so far, taken off the list: Chromium logs every answer of 400 or more, the refusals a test asks for too. */
  refusalsLogged(): string[];
  close(): Promise<void>;
}

/**
 * Registers `declarations` on a fresh data dir before serve starts (so that no first execution
 * starts: the console starts them), then starts `sluice serve` and Chromium.
 */
export async function startConsoleSession(declarations: PipelineDeclaration[]): Promise<ConsoleSession> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sluice-console-'));
  for (const declaration of declarations) {
    succeeded(sluice(['create-pipeline', writeDeclaration(dataDir, declaration), '--data-dir', dataDir]));
  }
  const serve = startSluice(['serve', '--port', '0', '--data-dir', dataDir]);
  const origin = new URL((await serve.waitFor(/serving .* at (http:\/\/\S+)/))[1]!).origin;
  const browser = await launchConsoleBrowser();
  const { page } = browser;
  return {
    dataDir,
    serve,
    origin,
    browser,
    signInLink: () => /(http:\/\/\S+#sign-in=\S+)/.exec(succeeded(sluice(['console', '--no-open', '--data-dir', dataDir])).stdout)![1]!,
    card: (action) => page.locator(`[data-action="${action}"]`),
    cardStatus: (action, status) => page.locator(`[data-action="${action}"] [data-status="${status}"]`),
    confirm: async (button, fields = {}) => {
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      for (const [label, value] of Object.entries(fields)) await dialog.getByLabel(label).fill(value);
      await dialog.getByRole('button', { name: button, exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
    },
    refusalsLogged: () => browser.errors.splice(0),
    close: async () => {
      await browser.close();
      await serve.interrupt();
      killStartedSluice();
    },
  };
}
