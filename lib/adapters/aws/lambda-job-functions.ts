import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { AwsClients, AwsTarget } from '../../ports/aws-clients';
import type { JobFunctions, LambdaJobEvent } from '../../ports/job-functions';

/** Lambda invoke actions' functions in Lambda: each is invoked asynchronously (InvocationType Event), in the action's region, as its role. */
export class LambdaJobFunctions implements JobFunctions {
  constructor(private readonly clients: AwsClients) {}

  async start(functionName: string, event: LambdaJobEvent, target: AwsTarget): Promise<void> {
    await this.clients
      .client(LambdaClient, target)
      .send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(event)) }));
  }
}
