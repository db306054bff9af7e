/** Mails kept where the user reads them (locally, the outbox), which go when their execution goes. */
export interface MailArchive {
  /** The kept mails about each execution, by execution id; each mail as the archive names it. */
  mailsByExecution(): Promise<Map<string, string[]>>;
  /** Deletes a mail; one that is not there is no error. */
  delete(mail: string): Promise<void>;
}
