import { open, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { MailArchive } from '../../ports/mail-archive';
import { EXECUTION_ID_HEADER, outboxDirectory } from './outbox-notifier';

/** Enough of a mail to hold its headers, which come first. */
const HEADER_BYTES = 16 * 1024;

/** The outbox's mails, each found by the execution its header names. Mails are named by their file name. */
export class OutboxMails implements MailArchive {
  private readonly directory: string;

  constructor(dataDir: string) {
    this.directory = outboxDirectory(dataDir);
  }

  async mailsByExecution(): Promise<Map<string, string[]>> {
    const byExecution = new Map<string, string[]>();
    for (const name of await this.mailNames()) {
      const executionId = await this.executionOf(name);
      if (executionId !== undefined) byExecution.set(executionId, [...(byExecution.get(executionId) ?? []), name]);
    }
    return byExecution;
  }

  async delete(mail: string): Promise<void> {
    await rm(path.join(this.directory, path.basename(mail)), { force: true });
  }

  private async mailNames(): Promise<string[]> {
    try {
      return (await readdir(this.directory)).filter((name) => name.endsWith('.eml'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private async executionOf(name: string): Promise<string | undefined> {
    let file;
    try {
      file = await open(path.join(this.directory, name), 'r');
    } catch (error) {
      // Deleted meanwhile by another prune.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(HEADER_BYTES), 0, HEADER_BYTES, 0);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const headers = (end < 0 ? text : text.slice(0, end)).split('\r\n');
      const prefix = `${EXECUTION_ID_HEADER.toLowerCase()}:`;
      return headers
        .find((line) => line.toLowerCase().startsWith(prefix))
        ?.slice(prefix.length)
        .trim();
    } finally {
      await file.close();
    }
  }
}
