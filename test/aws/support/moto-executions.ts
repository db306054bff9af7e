import { randomInt } from 'node:crypto';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { motoClientConfig } from './moto-clients';

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

/** Sends every request of `client` to moto's backend of `account`, which moto takes from this header. */
export function inMotoAccount<T extends SFNClient>(client: T, account: string): T {
  client.middlewareStack.add(
    (next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'motoAccountHeader' },
  );
  return client;
}

/**
 * A Step Functions client in an account of its own. moto 5.2 deep-copies its whole Step Functions
 * backend at StartExecution, and once an execution has run in an account and region, every later
 * StartExecution there fails with a 500 ("cannot pickle '_thread.RLock' object"), so each
 * execution gets a fresh backend.
 */
export function sfnInOwnAccount(region?: string): SFNClient {
  return inMotoAccount(new SFNClient({ ...motoClientConfig(), ...(region ? { region } : {}) }), String(randomInt(100_000_000_000, 999_999_999_999)));
}
