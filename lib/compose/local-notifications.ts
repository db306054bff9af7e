import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OutboxNotifier } from '../adapters/local/outbox-notifier';
import { SmtpNotifier, type SmtpSettings } from '../adapters/local/smtp-notifier';
import type { InProcessBus } from '../adapters/local/in-process-bus';
import { parseNotificationRules, type NotificationRule } from '../core/notification-rules';
import type { NotificationMailDependencies } from '../execution/notification-mail';
import { registerNotifications } from '../execution/notifications';
import type { ApprovalRequest, Notifier } from '../ports/notifier';

export const NOTIFICATION_RULES_FILE = 'notification-rules.yml';
const FROM = 'Sluice <sluice@localhost>';
/** Where approval requests go locally when no rule names approvers: the outbox keeps them. */
const DEFAULT_APPROVERS = 'approvers@localhost';

/** SMTP settings from SLUICE_SMTP_HOST, _PORT, _SECURE, _USER, _PASSWORD and _FROM; none when no host is set. */
export function smtpSettingsFromEnvironment(env: NodeJS.ProcessEnv): SmtpSettings | undefined {
  if (!env.SLUICE_SMTP_HOST) return undefined;
  return {
    host: env.SLUICE_SMTP_HOST,
    port: Number(env.SLUICE_SMTP_PORT ?? 587),
    secure: env.SLUICE_SMTP_SECURE === 'true',
    ...(env.SLUICE_SMTP_USER ? { auth: { user: env.SLUICE_SMTP_USER, pass: env.SLUICE_SMTP_PASSWORD ?? '' } } : {}),
    from: env.SLUICE_SMTP_FROM ?? FROM,
  };
}

async function readRules(dataDir: string): Promise<NotificationRule[]> {
  const file = path.join(dataDir, NOTIFICATION_RULES_FILE);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? [] : parseNotificationRules(text, file);
}

/**
 * Local notifications: the rules in `<dataDir>/notification-rules.yml` mail through the outbox
 * (and SMTP when SLUICE_SMTP_HOST is set).
 */
export async function setUpLocalNotifications(
  bus: InProcessBus,
  options: { dataDir: string; write: (line: string) => void; smtp?: SmtpSettings } & NotificationMailDependencies,
): Promise<{ notifyApprovers: (request: ApprovalRequest) => Promise<void> }> {
  const notifiers: Notifier[] = [
    new OutboxNotifier({ dataDir: options.dataDir, from: FROM, write: options.write }),
    ...(options.smtp ? [new SmtpNotifier(options.smtp)] : []),
  ];
  const warn = (message: string) => options.write(`warning: ${message}`);
  return registerNotifications(bus, await readRules(options.dataDir), { ...options, notifiers, warn, defaultApprovers: DEFAULT_APPROVERS });
}
