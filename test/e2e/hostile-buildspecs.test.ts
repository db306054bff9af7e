import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { killStartedSluice, sluice, startSluice } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { buildStage, gitSourceStage } from '../support/declarations';

jest.setTimeout(120_000);

afterAll(() => killStartedSluice());

/** A pipeline that checks out `repository` and builds it with its buildspec.yml. */
function declaration(name: string, repository: string) {
  return {
    name,
    stages: [gitSourceStage(repository), buildStage('Compile', { ProjectName: name })],
  };
}

describe('sluice serve given hostile buildspecs', () => {
  it('fails each of their builds with a clear message, one after the other, and keeps serving', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-hostile-'));
    const buildspecs: Record<string, string> = {
      brackets: '['.repeat(20_000),
      dashes: `${'- '.repeat(5_000)}x`,
      aliases: [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        ...'bcdefgh'.split('').map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(', ')}]`),
      ].join('\n'),
      good: 'version: 0.2\nphases:\n  build:\n    commands:\n      - echo built-after-the-bombs\n',
    };
    for (const [name, buildspec] of Object.entries(buildspecs)) {
      const repository = gitRepository({ 'buildspec.yml': buildspec }, `buildspec ${name}`);
      const file = path.join(dataDir, `${name}.json`);
      writeFileSync(file, JSON.stringify(declaration(name, repository.dir)));
    }
    // sluice run hands each execution to the serve that owns the data dir, and follows it to its end.
    const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
    await serve.waitFor(/serving .* at http/);

    const expected: [string, RegExp][] = [
      ['brackets', /buildspec\.yml is not valid YAML: it nests deeper than 64 levels/],
      ['dashes', /buildspec\.yml is not valid YAML: it nests deeper than 64 levels/],
      ['aliases', /buildspec\.yml is not valid YAML: its aliases expand to more than 100 nodes/],
    ];
    for (const [name, message] of expected) {
      const run = sluice(['run', path.join(dataDir, `${name}.json`), '--data-dir', dataDir]);
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).toMatch(message);
      expect(serve.child.exitCode).toBeNull();
    }
    const good = sluice(['run', path.join(dataDir, 'good.json'), '--data-dir', dataDir]);
    expect(good.stdout).toContain('good: succeeded');
    expect(good.code).toBe(0);
    expect(serve.child.exitCode).toBeNull();
  });
});
