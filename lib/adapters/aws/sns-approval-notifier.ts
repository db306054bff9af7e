import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ApprovalRequest } from '../../ports/notifier';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/** SNS refuses a longer Subject. */
const MAX_SUBJECT_LENGTH = 100;

/**
 * Sends a Manual approval's request to its SNS topic, as CodePipeline does: queues and functions
 * subscribed to the topic get CodePipeline's approval JSON, and email subscribers get the readable
 * text with the review link instead of that JSON.
 */
export class SnsApprovalNotifier {
  constructor(
    private readonly client: SNSClient,
    private readonly defaultTopicArn?: string,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  async notify(request: ApprovalRequest): Promise<void> {
    const topicArn = request.notificationArn ?? this.defaultTopicArn;
    // An approval without a topic notifies nobody, as in CodePipeline; it waits all the same.
    if (!topicArn) return;
    const approvalJson = { region: await this.client.config.region(), approval: request.approval };
    await withAccessExplained({ action: 'sns:Publish', resource: topicArn, role: this.options.roleName }, () =>
      this.client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subjectLine(request.subject),
          MessageStructure: 'json',
          Message: JSON.stringify({ default: JSON.stringify(approvalJson), email: request.text }),
        }),
      ),
    );
  }
}

/** SNS takes only printable ASCII on one line, up to 100 characters, in a Subject. */
function subjectLine(subject: string): string {
  return subject.replace(/[^\x20-\x7E]/g, ' ').slice(0, MAX_SUBJECT_LENGTH);
}
