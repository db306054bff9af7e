import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium, which the browser tests drive (Playwright's own browser builds cannot be downloaded here). */
export const CHROMIUM = '/usr/bin/chromium';

/** The command that installs it, which `.ci/run` runs when it is missing. */
export const CHROMIUM_INSTALL = 'apt-get update && apt-get install -y chromium';

/**
 * Flags for a headless Chromium with no network but loopback: without the background-networking
 * ones it keeps trying hosts this machine cannot reach.
 */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A Chromium with a fresh profile, and every error its pages log. */
export interface ConsoleBrowser {
  context: BrowserContext;
  page: Page;
  /** Errors logged to the pages' consoles and exceptions they threw, as text. */
  errors: string[];
  close(): Promise<void>;
}

/** Starts Chromium with a fresh profile; fails, naming the install command, when it is missing. */
export async function launchConsoleBrowser(viewport = { width: 1600, height: 1000 }): Promise<ConsoleBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`The browser tests need Chromium at ${CHROMIUM}: install it with \`${CHROMIUM_INSTALL}\`.`);
  const profile = mkdtempSync(path.join(os.tmpdir(), 'sluice-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
