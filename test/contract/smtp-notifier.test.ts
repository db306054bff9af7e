import { SmtpNotifier } from '../../lib/adapters/local/smtp-notifier';
import { readRawMail } from '../support/mail-message';
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-server';

describe('SmtpNotifier against a real SMTP server', () => {
  let server: TestSmtpServer;

  beforeAll(async () => {
    server = await startTestSmtpServer();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('delivers the mail from the configured sender to each recipient', async () => {
    const notifier = new SmtpNotifier({ host: '127.0.0.1', port: server.port, from: 'Sluice <sluice@example.com>' });
    const text = `Pipeline:  webapp\nLog:       http://localhost:4000/executions/3f0c7a9e-0b7d-4a39-9d11-8a2f1c5e6b70/logs?action=Build/Compile\n`;

    await notifier.send({ to: ['dev@example.com', 'ops@example.com'], subject: '[Sluice] webapp: pipeline execution FAILED', text });

    const mail = server.mails.at(-1)!;
    expect(mail.from).toBe('sluice@example.com');
    expect(mail.to).toEqual(['dev@example.com', 'ops@example.com']);
    expect(mail.user).toBeUndefined();
    const { headers, text: received } = readRawMail(mail.raw);
    expect(headers.get('subject')).toBe('[Sluice] webapp: pipeline execution FAILED');
    expect(headers.get('from')).toBe('Sluice <sluice@example.com>');
    expect(headers.get('to')).toBe('dev@example.com, ops@example.com');
    expect(received).toBe(text);
  });

  it('logs in when the settings carry credentials', async () => {
    const notifier = new SmtpNotifier({ host: '127.0.0.1', port: server.port, auth: { user: 'sluice', pass: 'secret' }, from: 'sluice@example.com' });

    await notifier.send({ to: ['dev@example.com'], subject: 'hello', text: 'hello\n' });

    expect(server.mails.at(-1)).toMatchObject({ user: 'sluice', to: ['dev@example.com'] });
  });

  it('rejects when no server answers', async () => {
    const gone = await startTestSmtpServer();
    await gone.stop();
    const notifier = new SmtpNotifier({ host: '127.0.0.1', port: gone.port, from: 'sluice@example.com' });

    await expect(notifier.send({ to: ['dev@example.com'], subject: 'hello', text: 'hello\n' })).rejects.toThrow(/ECONNREFUSED/);
  });
});
