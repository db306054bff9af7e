import type { PipelineEvent } from '../core/events';
import { notificationRulePattern, type NotificationRule } from '../core/notification-rules';
import type { RuleBus } from '../ports/event-bus';
import type { Notifier } from '../ports/notifier';
import type { ApprovalRequest } from '../ports/notifier';
import { notificationMail, type NotificationMailDependencies } from './notification-mail';

const APPROVAL_NEEDED = 'codepipeline-pipeline-manual-approval-needed';

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

/**
 * Notifications on one installation's rules: every event type but manual-approval-needed goes on
 * the bus. Approval requests, which carry the review link, go to the targets of the rules for
 * manual-approval-needed, as CodePipeline mails the approval topic; to `defaultApprovers` when no
 * rule names any.
 */
export function registerNotifications(
  bus: RuleBus,
  rules: readonly NotificationRule[],
  deps: NotificationDependencies & { defaultApprovers: string },
): { notifyApprovers: (request: ApprovalRequest) => Promise<void> } {
  const approvalRules = rules.filter((rule) => rule.eventTypeIds.includes(APPROVAL_NEEDED));
  const otherRules = rules
    .map((rule) => ({ ...rule, eventTypeIds: rule.eventTypeIds.filter((id) => id !== APPROVAL_NEEDED) }))
    .filter((rule) => rule.eventTypeIds.length > 0);
  registerNotificationRules(bus, otherRules, deps);

  return {
    notifyApprovers: async (request) => {
      const matching = approvalRules.filter((rule) => !rule.resource || rule.resource === request.approval.pipelineName);
      const to = matching.flatMap((rule) => rule.targets.map((target) => target.address));
      for (const notifier of deps.notifiers) {
        try {
          await notifier.send({
            to: to.length > 0 ? to : [deps.defaultApprovers],
            subject: request.subject,
            text: `${request.text}\n\n${JSON.stringify({ approval: request.approval }, null, 2)}\n`,
            executionId: request.pipelineExecutionId,
          });
        } catch (error) {
          deps.warn(`could not send the approval request for ${request.approval.stageName}/${request.approval.actionName}: ${(error as Error).message}`);
        }
      }
    },
  };
}
