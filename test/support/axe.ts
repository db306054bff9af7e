import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** The WCAG 2 level A and AA rules, colour contrast among them. */
const WCAG_AA = ['wcag2a', 'wcag2aa'];

/**
 * What axe-core finds against WCAG 2 A and AA on the page as it stands, one line per element:
 * the rule, the element and what to fix. The console's Content-Security-Policy allows only its
 * own scripts, so axe's source goes in through `page.evaluate`, which Chromium runs over its
 * DevTools protocol whatever the policy says: the page is checked under the policy it ships
 * with, not in a context that bypasses it.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  return page.evaluate(async (tags) => {
    const { axe: injected } = globalThis as unknown as { axe: typeof axe };
    const { violations } = await injected.run({ runOnly: { type: 'tag', values: tags } });
    return violations.flatMap((violation) =>
      violation.nodes.map((node) => `${violation.id} at ${node.target.join(' ')}: ${node.failureSummary ?? violation.help}`),
    );
  }, WCAG_AA);
}
