import nodemailer from 'nodemailer';
import type { MailMessage, Notifier } from '../../ports/notifier';

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the start (port 465); otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  from: string;
}

/** Real mail through an SMTP server, for local installations that have one. */
export class SmtpNotifier implements Notifier {
  private readonly transport;

  constructor(private readonly settings: SmtpSettings) {
    const { host, port, secure, auth } = settings;
    this.transport = nodemailer.createTransport({ host, port, secure: secure ?? false, ...(auth ? { auth } : {}) });
  }

  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.settings.from, ...message });
  }
}
