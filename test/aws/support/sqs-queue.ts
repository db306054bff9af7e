import { REGION, motoEndpoint } from './moto-clients';

/**
 * A queue in moto's SQS, where EventBridge rules and SNS subscriptions deliver what the tests
 * read. No SQS client is installed, so this speaks SQS's JSON protocol itself; moto checks no
 * signature, and reads the service from the credential scope of the Authorization header.
 */
export class SqsQueue {
  private constructor(
    readonly url: string,
    readonly arn: string,
    private readonly region: string,
  ) {}

  /** A queue in `region`: EventBridge delivers only to a queue in its own. */
  static async create(name: string, region = REGION): Promise<SqsQueue> {
    const { QueueUrl } = await sqs<{ QueueUrl: string }>('CreateQueue', { QueueName: name }, region);
    const { Attributes } = await sqs<{ Attributes: { QueueArn: string } }>('GetQueueAttributes', { QueueUrl, AttributeNames: ['QueueArn'] }, region);
    return new SqsQueue(QueueUrl, Attributes.QueueArn, region);
  }

  /** The bodies of the messages that arrive within `waitMs`. */
  async receiveBodies(waitMs = 1500): Promise<string[]> {
    const bodies: string[] = [];
    const deadline = Date.now() + waitMs;
    do {
      const { Messages = [] } = await sqs<{ Messages?: { Body: string }[] }>(
        'ReceiveMessage',
        {
          QueueUrl: this.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
        },
        this.region,
      );
      bodies.push(...Messages.map((message) => message.Body));
      if (Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    return bodies;
  }
}

async function sqs<T>(action: string, request: Record<string, unknown>, region: string): Promise<T> {
  const response = await fetch(`${motoEndpoint()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${region}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(request),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`SQS ${action} failed: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}
