import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TASK_FUNCTIONS } from '../../lib/core/task-functions';
import { killStartedSluice, startSluice, writeDeclaration } from '../support/cli';
import { buildOnSource, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(120_000);

afterAll(() => killStartedSluice());

const codeBuild = (name: string, category: 'Build' | 'Test', buildspec: string) =>
  buildOnSource(name, { ProjectName: 'app', BuildSpec: buildspec }, { actionTypeId: { category, owner: 'AWS', provider: 'CodeBuild', version: '1' } });

/** A rule that passes in every execution. */
const executionIdIsSet = {
  name: 'HasId',
  ruleTypeId: { category: 'Rule', owner: 'AWS', provider: 'VariableCheck', version: '1' },
  configuration: { Variable: '#{codepipeline.PipelineExecutionId}', Value: '.+', Operator: 'MATCHES' },
} as const;

/** The events that Powertools' logger logged as its functions were invoked: what reached each handler through its middy chain. */
function invocations(output: string): { functionName: string; step: string }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { message?: string; function_name?: string; event?: { step?: string } })
    .filter((entry) => entry.message === 'Lambda invocation event')
    .map((entry) => ({ functionName: entry.function_name!, step: entry.event!.step! }));
}

describe('a local run', () => {
  it('runs every Lambda Task through the exported handler of the function that serverless.yml deploys for it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-task-handlers-'));
    const repository = gitRepository({ 'app.txt': 'v1' }, 'feat: something to build');
    const file = writeDeclaration(dataDir, {
      name: 'handlers',
      pipelineType: 'V2',
      stages: [
        gitSourceStage(repository.dir),
        {
          name: 'Gate',
          // Conditions whose rules pass: each is checked by its own step.
          beforeEntry: { conditions: [{ result: 'FAIL', rules: [executionIdIsSet] }] },
          onSuccess: { conditions: [{ result: 'FAIL', rules: [executionIdIsSet] }] },
          actions: [{ name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }],
        },
        { name: 'Build', actions: [codeBuild('Compile', 'Build', 'version: 0.2\nphases:\n  build:\n    commands:\n      - cat app.txt\n')] },
        {
          name: 'Check',
          // A failure condition whose rule passes: its step runs, and the stage's failure stands.
          onFailure: { conditions: [{ result: 'ROLLBACK', rules: [executionIdIsSet] }] },
          actions: [codeBuild('Verify', 'Test', 'version: 0.2\nphases:\n  build:\n    commands:\n      - exit 3\n')],
        },
      ],
    });
    // Powertools' logger logs each event its handler receives: only a call through the middy chain does.
    const run = startSluice(['run', file, '--data-dir', dataDir], { env: { POWERTOOLS_LOGGER_LOG_EVENT: 'true' } });
    const [, link] = await run.waitFor(/waiting for approval: (\S+)/, 60_000);
    const page = await (await fetch(link!)).text();
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)![1]!;
    const decided = await fetch(link!, { method: 'POST', body: new URLSearchParams({ nonce, decision: 'approve', approver: 'Ada' }) });
    expect(decided.status).toBe(200);
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('Check/Verify: failed');

    const called = new Set(invocations(run.output()).map(({ functionName, step }) => `${step} by ${functionName}`));
    // A custom action's job is queued only where a worker can poll for it, under sluice serve:
    // test/contract/custom-action-jobs.test.ts runs queueJob through the same handler there.
    const everyStep = Object.entries(TASK_FUNCTIONS)
      .filter(([step]) => step !== 'queueJob')
      .map(([step, functionName]) => `${step} by sluice-local-${functionName}`);
    expect([...called].sort()).toEqual(everyStep.sort());
  });
});
