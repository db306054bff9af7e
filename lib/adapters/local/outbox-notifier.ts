import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailMessage, Notifier } from '../../ports/notifier';

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
 */
export class OutboxNotifier implements Notifier {
  readonly directory: string;
  private written = 0;

  constructor(private readonly options: OutboxOptions) {
    this.directory = path.join(options.dataDir, 'outbox');
  }

  async send(message: MailMessage): Promise<void> {
    const date = (this.options.clock ?? (() => new Date()))();
    const mail = await new MailComposer({ from: this.options.from, ...message, date }).compile().build();
    const name = `${date.toISOString().replace(/:/g, '-')}-${String(++this.written).padStart(4, '0')}-${slug(message.subject)}.eml`;
    await mkdir(this.directory, { recursive: true });
    const file = path.join(this.directory, name);
    // `wx`: a mail already in the outbox is never overwritten.
    await writeFile(file, mail, { flag: 'wx' });
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
