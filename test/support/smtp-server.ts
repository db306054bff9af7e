import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The message as it came, for readRawMail. */
  raw: Buffer;
  /** The envelope, as the client gave it in MAIL FROM and RCPT TO. */
  from: string | undefined;
  to: string[];
  /** The user the client logged in as, if it did. */
  user: string | undefined;
}

export interface TestSmtpServer {
  port: number;
  /** Every mail accepted so far, in order. */
  mails: ReceivedMail[];
  stop(): Promise<void>;
}

/**
 * A real SMTP server on a free loopback port that accepts every mail, with or without a login
 * (any user name and password will do), and keeps what it received.
 */
export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    // Plain text on loopback: offering STARTTLS would make clients check its self-signed certificate.
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      buffer(stream).then((raw) => {
        const { mailFrom, rcptTo } = session.envelope;
        mails.push({
          raw,
          from: mailFrom ? mailFrom.address : undefined,
          to: rcptTo.map((recipient) => recipient.address),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      }, callback);
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  return {
    port: (server.server.address() as AddressInfo).port,
    mails,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
