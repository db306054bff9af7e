import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailMessage, Notifier } from '../../ports/notifier';

/** The header that names the execution a mail is about, for retention to find it by. */
export const EXECUTION_ID_HEADER = 'X-Sluice-Execution-Id';

/** A data dir's outbox. */
export const outboxDirectory = (dataDir: string) => path.join(dataDir, 'outbox');

export interface OutboxOptions {
  dataDir: string;
  from: string;
  /** Told one line for each mail. */
  write: (line: string) => void;
  clock?: () => Date;
}

/**
 * Local mail without a mail server: each message is written as an RFC 5322 `.eml` file into
 * `<dataDir>/outbox/`, which any mail client opens. File names start with the time, then a count
 * for mails of the same millisecond, so that listing the directory lists the mails in order.
 * Approval mails carry the link that decides, so the outbox and its mails are this user's only.
 */
export class OutboxNotifier implements Notifier {
  readonly directory: string;
  private written = 0;

  constructor(private readonly options: OutboxOptions) {
    this.directory = outboxDirectory(options.dataDir);
  }

  async send(message: MailMessage): Promise<void> {
    const date = (this.options.clock ?? (() => new Date()))();
    const { executionId, ...content } = message;
    const headers: Record<string, string> = executionId === undefined ? {} : { [EXECUTION_ID_HEADER]: executionId };
    const mail = await new MailComposer({ from: this.options.from, ...content, headers, date }).compile().build();
    const name = `${date.toISOString().replace(/:/g, '-')}-${String(++this.written).padStart(4, '0')}-${slug(message.subject)}.eml`;
    await mkdir(this.directory, { recursive: true, mode: 0o700 });
    const file = path.join(this.directory, name);
    // `wx`: a mail already in the outbox is never overwritten.
    await writeFile(file, mail, { flag: 'wx', mode: 0o600 });
    this.options.write(`mail to ${message.to.join(', ')}: ${message.subject} (${file})`);
  }
}

/** The subject in a form that is safe in a file name on every platform. */
function slug(subject: string): string {
  return subject
    .replace(/^\[Sluice\]\s*/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}
