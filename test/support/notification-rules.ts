import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** The rule, as lines of notification-rules.yml, that mails approver@example.com when `gated` waits on an approval. */
export const GATED_APPROVERS_RULE = [
  '  - name: approvers',
  '    resource: gated',
  '    eventTypeIds: [codepipeline-pipeline-manual-approval-needed]',
  '    targets: [{ type: email, address: approver@example.com }]',
];

/** Writes the data dir's notification-rules.yml with `rules`, each given as its lines. */
export function writeNotificationRules(dataDir: string, rules: string[]): void {
  writeFileSync(path.join(dataDir, 'notification-rules.yml'), ['notificationRules:', ...rules, ''].join('\n'));
}
