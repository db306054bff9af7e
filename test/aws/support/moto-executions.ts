import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the execution's approval waits on its task token, and returns the token. */
export async function waitingForApproval(sfn: SFNClient, executionArn: string): Promise<string> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const waiting = events.find((event) => event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resource === 'invoke.waitForTaskToken');
    if (waiting) return JSON.parse(waiting.taskScheduledEventDetails!.parameters!).Payload.taskToken;
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') throw new Error(`The execution ended ${status} before its approval: ${JSON.stringify(events, null, 1)}`);
  }
  throw new Error('The execution never reached its approval.');
}

/** The status an execution ends with; moto's interpreter stops an execution in the background. */
export async function endStatus(sfn: SFNClient, executionArn: string): Promise<string | undefined> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') return status;
  }
  throw new Error(`${executionArn} is still running.`);
}
