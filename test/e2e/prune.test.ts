import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blob-store';
import { killStartedSluice, sluice, startSluice, type RunningCli } from '../support/cli';
import { startTestStack } from '../support/embedded-stack';
import { gitRepository } from '../support/git-repository';
import { gitSourceStage } from '../support/declarations';

jest.setTimeout(120_000);

let dataDir: string;
let serve: RunningCli | undefined;

const modeOf = (file: string) => statSync(file).mode & 0o777;

/** Every file under the data dir, as paths relative to it. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dataDir, path.join(entry.parentPath, entry.name)));
}

/** What the table holds and the bucket's keys, read with the embedded stack while no sluice owns the data dir. */
async function storedData(): Promise<{ items: Record<string, unknown>[]; keys: string[] }> {
  const test = await startTestStack(dataDir);
  try {
    const documents = DynamoDBDocumentClient.from(test.clients.dynamodb);
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateScan({ client: documents }, { TableName: 'sluice' })) items.push(...(page.Items ?? []));
    return { items, keys: await new S3BlobStore(test.clients.s3).listKeys('sluice-artifacts', '') };
  } finally {
    await test.stop();
  }
}

const executionIds = (pipeline: string): string[] =>
  JSON.parse(sluice(['executions', pipeline, '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries.map(
    (entry: { pipelineExecutionId: string }) => entry.pipelineExecutionId,
  );

function runBuilt(): string {
  const run = sluice(['start-pipeline-execution', 'built', '--quiet', '--json', '--data-dir', dataDir]);
  expect(run.code).toBe(0);
  return executionIds('built')[0]!;
}

function declare(name: string, stages: unknown[]): void {
  const file = path.join(path.dirname(dataDir), `${name}.json`);
  writeFileSync(file, JSON.stringify({ name, stages }));
  expect(sluice(['create-pipeline', file, '--data-dir', dataDir]).code).toBe(0);
}

beforeAll(() => {
  dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-prune-')), '.sluice');
  const repo = gitRepository({ 'app.txt': 'v1' }, 'feat: something to build');
  const source = gitSourceStage(repo.dir);
  declare('built', [
    source,
    {
      name: 'Build',
      actions: [
        {
          name: 'Make',
          actionTypeId: { category: 'Compute', owner: 'AWS', provider: 'Commands', version: '1' },
          commands: ['echo building', 'cp app.txt out.txt'],
          inputArtifacts: [{ name: 'Src' }],
          outputArtifacts: [{ name: 'Out', files: ['out.txt'] }],
        },
      ],
    },
  ]);
  declare('gated', [
    source,
    { name: 'Gate', actions: [{ name: 'Review', actionTypeId: { category: 'Approval', owner: 'AWS', provider: 'Manual', version: '1' } }] },
  ]);
  writeFileSync(
    path.join(dataDir, 'notification-rules.yml'),
    [
      'notificationRules:',
      '  - name: done',
      '    eventTypeIds: [codepipeline-pipeline-pipeline-execution-succeeded]',
      '    targets: [{ type: email, address: team@example.com }]',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await serve?.interrupt();
  killStartedSluice();
});

describe('sluice prune', () => {
  let pruned: string[];
  let kept: string;
  let prunedKeys: string[];

  it('refuses bad options with exit 2, saying what is wrong', () => {
    for (const [option, value] of [
      ['--keep-executions', '0'],
      ['--keep-days', 'ten'],
      ['--keep-days', '-3'],
    ]) {
      const result = sluice(['prune', option!, value!, '--data-dir', dataDir]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${option} must be a whole number of at least 1`);
    }
  });

  it('in a dry run, prints what would go and deletes nothing', async () => {
    pruned = [runBuilt(), runBuilt()];
    kept = runBuilt();
    const before = await storedData();
    // dynalite's LevelDB renames its own files on each start; the scan above compares the table.
    const outsideTable = () =>
      filesUnder(dataDir)
        .filter((file) => !file.startsWith('dynamodb/'))
        .sort();
    const files = outsideTable();
    prunedKeys = before.items
      .filter((item) => pruned.includes(item.pipelineExecutionId as string) && String(item.sk).startsWith('ACTION#'))
      .flatMap((item) =>
        ((item.output as { outputArtifacts: { s3location: { objectKey: string } }[] } | undefined)?.outputArtifacts ?? []).map(
          (artifact) => artifact.s3location.objectKey,
        ),
      );
    expect(prunedKeys).toHaveLength(4);

    const result = sluice(['prune', '--keep-executions', '1', '--dry-run', '--data-dir', dataDir]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Would prune 2 executions of built: 4 artifacts, [1-9]\d* logs?, 2 mails$/m);
    expect(result.stdout).toContain('Kept: the newest 1 finished executions of each pipeline that ended in the last 90 days, and every running execution.');
    expect(await storedData()).toEqual(before);
    expect(outsideTable()).toEqual(files);
  });

  it('deletes the pruned executions from the table, the bucket and the disk, and leaves the kept one whole', async () => {
    const result = sluice(['prune', '--keep-executions', '1', '--data-dir', dataDir]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Pruned 2 executions of built: 4 artifacts, [1-9]\d* logs?, 2 mails$/m);
    expect(executionIds('built')).toEqual([kept]);
    const after = await storedData();
    // The audit trail keeps who started them: its records outlive what they name.
    const audit = after.items.filter((item) => String(item['pk']).startsWith('AUDIT#'));
    for (const id of pruned) expect(audit.filter((item) => item['pipelineExecutionId'] === id)).not.toEqual([]);
    expect(after.items.filter((item) => !audit.includes(item) && pruned.some((id) => JSON.stringify(item).includes(id)))).toEqual([]);
    expect(after.keys.filter((key) => pruned.some((id) => key.includes(id)) || prunedKeys.includes(key))).toEqual([]);
    const files = filesUnder(dataDir);
    expect(files.filter((file) => pruned.some((id) => file.includes(id)) || prunedKeys.some((key) => file.includes(key)))).toEqual([]);
    const mails = readdirSync(path.join(dataDir, 'outbox')).map((name) => readFileSync(path.join(dataDir, 'outbox', name), 'utf8'));
    expect(mails.filter((mail) => pruned.some((id) => mail.includes(id)))).toEqual([]);
    expect(mails.filter((mail) => mail.includes(kept))).toHaveLength(1);
    expect(after.keys.filter((key) => key.includes(kept))).not.toEqual([]);
    expect(sluice(['logs', kept, '--data-dir', dataDir]).stdout).toContain('building');
    expect(sluice(['prune', '--keep-executions', '1', '--data-dir', dataDir]).stdout).toContain('Nothing to prune.');
  });

  it('keeps the data dir 0700 and the mails and the webhook secret 0600', () => {
    expect(sluice(['webhook-secret', '--data-dir', dataDir]).code).toBe(0);
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(path.join(dataDir, 'webhook-secret'))).toBe(0o600);
    const mails = readdirSync(path.join(dataDir, 'outbox'));
    expect(mails.length).toBeGreaterThan(0);
    for (const mail of mails) expect(modeOf(path.join(dataDir, 'outbox', mail))).toBe(0o600);
  });
});

describe('retention under sluice serve', () => {
  it("prunes at start by the installation's setting, and a prune through serve leaves an execution waiting for approval, which then finishes", async () => {
    runBuilt();
    writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ retention: { keepExecutions: 1 } }));

    serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', dataDir]);
    await serve.waitFor(/Pruned 1 execution of built: 2 artifacts, [1-9]\d* logs?, 1 mail/);
    expect(executionIds('built')).toHaveLength(1);
    expect(modeOf(path.join(dataDir, 'owner.lock'))).toBe(0o600);

    const started = sluice(['start-pipeline-execution', 'gated', '--data-dir', dataDir]);
    expect(started.code).toBe(0);
    const waiting = started.stdout.trim();
    await serve.waitFor(/Review: waiting for approval/);

    const result = sluice(['prune', '--keep-executions', '1', '--keep-days', '1', '--data-dir', dataDir]);
    expect(result.code).toBe(0);
    expect(executionIds('gated')).toEqual([waiting]);

    const approved = sluice(['approve', 'gated', 'Gate', 'Review', '--summary', 'fine', '--data-dir', dataDir]);
    expect(approved.code).toBe(0);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const [latest] = JSON.parse(sluice(['executions', 'gated', '--data-dir', dataDir, '--json']).stdout).pipelineExecutionSummaries;
      if (latest.status !== 'InProgress') {
        expect(latest).toMatchObject({ pipelineExecutionId: waiting, status: 'Succeeded' });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the approved execution did not finish; serve printed:\n${serve.output()}`);
  });
});
