import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import type { AuditRecord } from '../../lib/core/audit';
import type { PipelineDeclaration } from '../../lib/core/declaration';
import { killStartedSluice, sluice, startSluice, until as waitUntil, writeDeclaration, type RunningCli } from '../support/cli';
import { commandsOnSource, gitSourceStage, reviewStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';

jest.setTimeout(120_000);

afterAll(() => killStartedSluice());

const me = userInfo().username;

describe('sluice audit', () => {
  let dataDir: string;
  let serve: RunningCli;

  const audit = (...args: string[]) => sluice(['audit', ...args, '--data-dir', dataDir]);
  const records = (pipeline: string): AuditRecord[] => JSON.parse(audit(pipeline, '--json').stdout).auditRecords;

  const until = <T>(probe: () => T | undefined, what: string) => waitUntil(probe, what, serve);

  /** The approval link serve printed for the `n`th approval request, once it has. */
  const approvalLink = (n: number) =>
    until(() => [...serve.output().matchAll(/Review\/Approve: waiting for approval: (\S+)/g)][n]?.[1], `approval request ${n + 1}`);

  const status = (executionId: string) =>
    (
      JSON.parse(sluice(['executions', 'audited', '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries as {
        pipelineExecutionId: string;
        status: string;
      }[]
    ).find((execution) => execution.pipelineExecutionId === executionId)?.status;
  const ended = (executionId: string) => until(() => (status(executionId) === 'InProgress' ? undefined : status(executionId)), `${executionId} to end`);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'sluice-audit-'));
    serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
    await serve.waitFor(/serving .* at http/);
  });

  it('records who created, approved, started, stopped, updated and deleted a pipeline, when, from where and why; and lists them after the pipeline is gone', async () => {
    const repo = gitRepository({ 'app.txt': 'v1' });
    const declaration: PipelineDeclaration = {
      name: 'audited',
      stages: [gitSourceStage(repo.dir), reviewStage('Approve'), { name: 'Ship', actions: [commandsOnSource('Echo', ['echo shipped'])] }],
    };
    const file = writeDeclaration(dataDir, declaration);

    const created = sluice(['create-pipeline', file, '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    const first = /^Started execution (\S+)/m.exec(created.stdout)![1]!;

    // The first execution is approved on the page its link opens, as an approver who got the mail does.
    const link = await approvalLink(0);
    const nonce = /name="nonce" value="([^"]+)"/.exec(await (await fetch(link)).text())![1]!;
    const decided = await fetch(link, {
      method: 'POST',
      body: new URLSearchParams({ decision: 'approve', nonce, approver: 'Grace', comment: 'release notes checked' }),
    });
    expect(decided.status).toBe(200);
    expect(await ended(first)).toBe('Succeeded');

    // The second is approved with PutApprovalResult, through sluice approve.
    const second = sluice(['start-pipeline-execution', 'audited', '--data-dir', dataDir]).stdout.trim();
    await approvalLink(1);
    expect(sluice(['approve', 'audited', 'Review', 'Approve', '--summary', 'looks good', '--approver', 'Ada', '--data-dir', dataDir]).code).toBe(0);
    expect(await ended(second)).toBe('Succeeded');

    // The third is stopped while it waits.
    const third = sluice(['start-pipeline-execution', 'audited', '--data-dir', dataDir]).stdout.trim();
    await approvalLink(2);
    expect(sluice(['stop-pipeline-execution', 'audited', third, '--abandon', '--reason', 'not today', '--data-dir', dataDir]).code).toBe(0);
    expect(await ended(third)).toBe('Stopped');

    writeFileSync(file, JSON.stringify({ ...declaration, stages: declaration.stages.filter((stage) => stage.name !== 'Review') }));
    expect(sluice(['update-pipeline', file, '--data-dir', dataDir]).code).toBe(0);
    // A refused operation leaves no record.
    expect(sluice(['stop-pipeline-execution', 'audited', third, '--data-dir', dataDir]).code).toBe(1);
    expect(sluice(['delete-pipeline', 'audited', '--data-dir', dataDir]).code).toBe(0);

    const viaServe = { who: me, from: '127.0.0.1' };
    const listed = records('audited');
    expect(listed).toEqual([
      expect.objectContaining({ ...viaServe, operation: 'DeletePipeline', pipelineName: 'audited' }),
      expect.objectContaining({ ...viaServe, operation: 'UpdatePipeline', parameters: { version: 2 } }),
      expect.objectContaining({
        ...viaServe,
        operation: 'StopPipelineExecution',
        pipelineExecutionId: third,
        parameters: { abandon: true },
        reason: 'not today',
      }),
      expect.objectContaining({ ...viaServe, operation: 'StartPipelineExecution', pipelineExecutionId: third }),
      expect.objectContaining({
        ...viaServe,
        operation: 'PutApprovalResult',
        pipelineExecutionId: second,
        stageName: 'Review',
        actionName: 'Approve',
        parameters: { result: 'Approved', approver: 'Ada' },
        reason: 'looks good',
      }),
      expect.objectContaining({ ...viaServe, operation: 'StartPipelineExecution', pipelineExecutionId: second }),
      expect.objectContaining({
        who: 'Grace',
        from: 'approval link from 127.0.0.1',
        operation: 'PutApprovalResult',
        pipelineExecutionId: first,
        parameters: { result: 'Approved', approver: 'Grace' },
        reason: 'release notes checked',
      }),
      expect.objectContaining({ ...viaServe, operation: 'CreatePipeline', pipelineExecutionId: first, parameters: { version: 1 } }),
    ]);
    // Newest first, each when it was done.
    const times = listed.map((record) => Date.parse(record.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const table = audit('audited');
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME +WHO +FROM +OPERATION +PIPELINE\/EXECUTION\/STAGE +WHY$/);
    expect(lines[1]).toMatch(new RegExp(`^${listed[0]!.time} +${me} +127\\.0\\.0\\.1 +DeletePipeline +audited$`));
    expect(lines[3]).toMatch(new RegExp(`StopPipelineExecution abandon=true +audited ${third} +not today$`));
    expect(lines[7]).toMatch(
      new RegExp(
        `Grace +approval link from 127\\.0\\.0\\.1 +PutApprovalResult result=Approved approver=Grace +audited ${first} Review/Approve +release notes checked$`,
      ),
    );
    expect(lines).toHaveLength(9);
  });

  it('lists every pipeline without a name, and answers a name that no pipeline or record has with an error', async () => {
    expect(audit('--limit', '1').stdout).toMatch(/DeletePipeline +audited$/m);

    const unknown = audit('never-was');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('There is no pipeline never-was, and no audit record names one.');
  });

  it('records a command on the data dir, with no serve running, as the user who ran it from the command line', async () => {
    expect(await serve.interrupt()).toBe(0);
    const repo = gitRepository({ 'app.txt': 'v1' });
    const file = writeDeclaration(dataDir, {
      name: 'direct',
      stages: [gitSourceStage(repo.dir), { name: 'Ship', actions: [commandsOnSource('Echo', ['true'])] }],
    });
    expect(sluice(['create-pipeline', file, '--data-dir', dataDir]).code).toBe(0);
    expect(sluice(['delete-pipeline', 'direct', '--data-dir', dataDir]).code).toBe(0);

    expect(records('direct')).toEqual([
      expect.objectContaining({ who: me, from: 'cli', operation: 'DeletePipeline' }),
      expect.objectContaining({ who: me, from: 'cli', operation: 'CreatePipeline', parameters: { version: 1 } }),
    ]);
  });
});
