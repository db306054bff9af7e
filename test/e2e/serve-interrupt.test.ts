import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killStartedSluice, startSluice } from '../support/cli';

afterAll(killStartedSluice);

/** How many times serve is started and interrupted: before it listened first, about two in five died of the Ctrl-C. */
const ROUNDS = 6;

describe('Ctrl-C to sluice serve', () => {
  it('closes it cleanly, with exit code 0, however soon after it says where it serves', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-serve-interrupt-'));
    const ends: { code: number | null; signal: NodeJS.Signals | null }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
      await serve.waitFor(/serving .* at http/, 60_000);
      const code = await serve.interrupt();
      ends.push({ code, signal: serve.child.signalCode });
      expect(serve.output()).toContain('Stopping: executions that wait for an approval go on in the next sluice serve');
    }
    expect(ends).toEqual(Array.from({ length: ROUNDS }, () => ({ code: 0, signal: null })));
  }, 120_000);
});
