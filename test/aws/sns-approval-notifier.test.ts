import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { SnsApprovalNotifier } from '../../lib/adapters/aws/sns-approval-notifier';
import type { ApprovalRequest } from '../../lib/ports/notifier';
import { motoClientConfig, uniqueName } from './support/moto-clients';
import { SqsQueue } from './support/sqs-queue';

const REVIEW_LINK = 'https://sluice.example.com/approvals/0b1c2d3e';

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    subject: '[Sluice] webapp: approval needed for Release/Approve',
    pipelineExecutionId: '5d0e8a5c-execution',
    approval: {
      pipelineName: 'webapp',
      stageName: 'Release',
      actionName: 'Approve',
      token: 'a7c1e2f0-approval-token',
      expires: '2025-01-08T00:00:00.000Z',
      externalEntityLink: 'https://example.com/changes',
      approvalReviewLink: REVIEW_LINK,
      customData: 'Check the staging site first.',
    },
    text: `Approval needed: webapp / Release / Approve\n\nReview and decide here: ${REVIEW_LINK}`,
    ...overrides,
  };
}

/** A topic with a queue subscribed, as a function or a queue would consume approval requests. */
async function subscribedTopic(sns: SNSClient): Promise<{ topicArn: string; queue: SqsQueue }> {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: uniqueName('sluice-approvals') }));
  const queue = await SqsQueue.create(uniqueName('approval-requests'));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
  return { topicArn: TopicArn!, queue };
}

interface SnsEnvelope {
  Type: string;
  Subject: string;
  Message: string;
}

describe('SnsApprovalNotifier on moto', () => {
  const sns = new SNSClient(motoClientConfig());
  afterAll(() => sns.destroy());

  it("publishes CodePipeline's approval JSON, with the review link, to the action's topic", async () => {
    const { topicArn, queue } = await subscribedTopic(sns);
    const notifier = new SnsApprovalNotifier(sns);

    await notifier.notify(request({ notificationArn: topicArn }));

    const [body, ...more] = await queue.receiveBodies(300);
    expect(more).toEqual([]);
    const envelope = JSON.parse(body!) as SnsEnvelope;
    expect(envelope).toMatchObject({ Type: 'Notification', Subject: '[Sluice] webapp: approval needed for Release/Approve' });
    // CodePipeline's message is the approval as the request carries it, every field of it.
    expect(JSON.parse(envelope.Message)).toEqual({ region: 'us-east-1', approval: request().approval });
  });

  it('falls back on the default topic, and cuts the subject to the 100 characters SNS allows', async () => {
    const { topicArn, queue } = await subscribedTopic(sns);
    const notifier = new SnsApprovalNotifier(sns, topicArn);

    await notifier.notify(request({ subject: `[Sluice] ${'a-very-long-pipeline-name-'.repeat(6)}: approval needed` }));

    const [body] = await queue.receiveBodies(300);
    const envelope = JSON.parse(body!) as SnsEnvelope;
    expect(envelope.Subject).toHaveLength(100);
    expect(JSON.parse(envelope.Message).approval.approvalReviewLink).toBe(REVIEW_LINK);
  });

  it('sends nothing when neither the action nor the deployment names a topic', async () => {
    await expect(new SnsApprovalNotifier(sns).notify(request())).resolves.toBeUndefined();
  });
});
