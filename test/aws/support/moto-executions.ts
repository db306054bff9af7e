import { randomInt } from 'node:crypto';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { motoClientConfig } from './moto-clients';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Tasks of an execution that wait on a token: the payload each invoked its function with. */
export async function waitingTasks(sfn: SFNClient, executionArn: string): Promise<{ step: string; stage: string; taskToken: string }[]> {
  const payloads: { step: string; stage: string; taskToken: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    for (const event of page.events ?? []) {
      if (event.type === 'TaskScheduled' && event.taskScheduledEventDetails?.resource === 'invoke.waitForTaskToken') {
        payloads.push(JSON.parse(event.taskScheduledEventDetails.parameters!).Payload);
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return payloads;
}

/** The stage entries already called back, by their token. */
const admitted = new Set<string>();

/**
 * Lets every execution waiting to enter a stage in, as the stage step's admission would: moto's
 * Lambda runs no code, and nothing else holds these lines.
 */
export async function admitEntries(sfn: SFNClient, executionArn: string): Promise<void> {
  for (const { step, taskToken } of await waitingTasks(sfn, executionArn)) {
    if (step !== 'enterStage' || admitted.has(taskToken)) continue;
    admitted.add(taskToken);
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: '{}' }));
  }
}

/** Waits until the execution's approval waits on its task token, letting it into each stage on the way, and returns the token. */
export async function waitingForApproval(sfn: SFNClient, executionArn: string): Promise<string> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
    await admitEntries(sfn, executionArn);
    const waiting = (await waitingTasks(sfn, executionArn)).find((payload) => payload.step === 'requestApproval');
    if (waiting) return waiting.taskToken;
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status !== 'RUNNING') throw new Error(`The execution ended ${status} before its approval.`);
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
