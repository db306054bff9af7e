import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { OutboxNotifier } from '../../../../lib/adapters/local/outbox-notifier';
import { OutboxMails } from '../../../../lib/adapters/local/outbox-mails';
import { directoryPerTest } from '../../../support/embedded-stack';
import { readRawMail } from '../../../support/mail-message';

describe('OutboxNotifier', () => {
  const dataDir = directoryPerTest();

  it('writes each mail as an .eml file in the outbox, named to sort by time, and prints one line for it', async () => {
    const lines: string[] = [];
    // Both mails in the same millisecond: the count keeps them in order.
    const outbox = new OutboxNotifier({
      dataDir: dataDir(),
      from: 'Sluice <sluice@localhost>',
      write: (line) => lines.push(line),
      clock: () => new Date('2025-01-01T10:00:00.000Z'),
    });
    const longLine = `Log:       http://localhost:4000/executions/3f0c7a9e-0b7d-4a39-9d11-8a2f1c5e6b70/logs?action=Build/Compile — ünïcode`;

    await outbox.send({ to: ['dev@example.com'], subject: '[Sluice] webapp: pipeline execution FAILED', text: `${longLine}\n` });
    await outbox.send({ to: ['dev@example.com', 'ops@example.com'], subject: '[Sluice] webapp: Build/Compile action FAILED', text: 'second\n' });

    const files = (await readdir(path.join(dataDir(), 'outbox'))).sort();
    expect(files).toEqual([
      '2025-01-01T10-00-00.000Z-0001-webapp-pipeline-execution-failed.eml',
      '2025-01-01T10-00-00.000Z-0002-webapp-build-compile-action-failed.eml',
    ]);
    const first = readRawMail(await readFile(path.join(outbox.directory, files[0]!)));
    expect(first.headers.get('from')).toBe('Sluice <sluice@localhost>');
    expect(first.headers.get('to')).toBe('dev@example.com');
    expect(first.headers.get('subject')).toBe('[Sluice] webapp: pipeline execution FAILED');
    expect(first.headers.get('date')).toBe('Wed, 01 Jan 2025 10:00:00 +0000');
    expect(first.headers.get('message-id')).toMatch(/^<.+@.+>$/);
    expect(first.text).toBe(`${longLine}\n`);
    expect(readRawMail(await readFile(path.join(outbox.directory, files[1]!))).headers.get('to')).toBe('dev@example.com, ops@example.com');
    expect(lines).toEqual([
      `mail to dev@example.com: [Sluice] webapp: pipeline execution FAILED (${path.join(outbox.directory, files[0]!)})`,
      `mail to dev@example.com, ops@example.com: [Sluice] webapp: Build/Compile action FAILED (${path.join(outbox.directory, files[1]!)})`,
    ]);
  });

  it('keeps the outbox and its mails private to this user: they hold the links that decide approvals', async () => {
    const outbox = new OutboxNotifier({ dataDir: dataDir(), from: 'sluice@localhost', write: () => undefined });
    await outbox.send({
      to: ['approvers@localhost'],
      subject: '[Sluice] webapp: approval needed for Release/Approve',
      text: 'Review and decide here: http://127.0.0.1/approvals/x\n',
    });

    const [file] = await readdir(outbox.directory);
    expect((await stat(outbox.directory)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(outbox.directory, file!))).mode & 0o777).toBe(0o600);
  });

  it('names the execution a mail is about in a header, by which OutboxMails finds and deletes the mails of an execution', async () => {
    const outbox = new OutboxNotifier({ dataDir: dataDir(), from: 'sluice@localhost', write: () => undefined });
    await outbox.send({ to: ['dev@example.com'], subject: 'first of e-1', text: 'one\n', executionId: 'e-1' });
    await outbox.send({ to: ['dev@example.com'], subject: 'of e-2', text: 'two\n', executionId: 'e-2' });
    await outbox.send({ to: ['dev@example.com'], subject: 'second of e-1', text: 'three\n', executionId: 'e-1' });
    await outbox.send({ to: ['dev@example.com'], subject: 'of no execution', text: 'four\n' });
    const mails = new OutboxMails(dataDir());

    const byExecution = await mails.mailsByExecution();

    expect([...byExecution.keys()].sort()).toEqual(['e-1', 'e-2']);
    expect(byExecution.get('e-1')).toHaveLength(2);
    const [one] = byExecution.get('e-2')!;
    expect(readRawMail(await readFile(path.join(outbox.directory, one!))).headers.get('x-sluice-execution-id')).toBe('e-2');
    for (const mail of byExecution.get('e-1')!) await mails.delete(mail);
    await mails.delete(byExecution.get('e-1')![0]!);
    const left = (await readdir(outbox.directory)).sort();
    expect(left).toHaveLength(2);
    expect(left.some((name) => name.includes('of-e-2'))).toBe(true);
    expect(left.some((name) => name.includes('of-no-execution'))).toBe(true);
    expect([...(await mails.mailsByExecution()).keys()]).toEqual(['e-2']);
  });

  it('finds no mails when there is no outbox yet', async () => {
    expect(await new OutboxMails(dataDir()).mailsByExecution()).toEqual(new Map());
  });
});
