import type { PipelineEvent } from '../core/events';
import { notificationRulePattern, type NotificationRule } from '../core/notification-rules';
import type { RuleBus } from '../ports/event-bus';
import type { Notifier } from '../ports/notifier';
import { notificationMail, type NotificationMailDependencies } from './notification-mail';

export interface NotificationDependencies extends NotificationMailDependencies {
  /** Each mail goes through every one of them: locally the outbox, and SMTP when it is set up. */
  notifiers: readonly Notifier[];
  /** Told about a mail that could not be sent: a notification never fails the execution it reports on. */
  warn: (message: string) => void;
}

/**
 * Puts each notification rule on the bus as an EventBridge rule of its own. An event that a rule
 * matches becomes one mail to each of the rule's targets, as an SNS email subscription would.
 */
export function registerNotificationRules(bus: RuleBus, rules: readonly NotificationRule[], deps: NotificationDependencies): void {
  for (const rule of rules) {
    bus.putRule({ name: rule.name, pattern: notificationRulePattern(rule), target: (event) => notify(rule, event, deps) });
  }
}

async function notify(rule: NotificationRule, event: PipelineEvent, deps: NotificationDependencies): Promise<void> {
  const about = `${event.detail.pipeline} execution ${event.detail['execution-id']} (${event['detail-type']}, ${event.detail.state})`;
  let mail;
  try {
    mail = await notificationMail(event, deps);
  } catch (error) {
    deps.warn(`Notification rule ${rule.name}: could not write the mail about ${about}: ${(error as Error).message}`);
    return;
  }
  for (const target of rule.targets) {
    for (const notifier of deps.notifiers) {
      try {
        await notifier.send({ to: [target.address], ...mail, executionId: event.detail['execution-id'] });
      } catch (error) {
        deps.warn(`Notification rule ${rule.name}: could not mail ${target.address} about ${about}: ${(error as Error).message}`);
      }
    }
  }
}
