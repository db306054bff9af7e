/**
 * The action runner as Lambda runs it: one Node process whose environment holds the function's
 * settings and its role's credentials. It handles the payload in argv[2] and prints its answer.
 */
import type { Context } from 'aws-lambda';
import { handler } from '../../../functions/tasks/action-runner';

const context = {
  awsRequestId: 'action-runner-process',
  functionName: 'sluice-test-actionRunner',
  functionVersion: '$LATEST',
  memoryLimitInMB: '2048',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:sluice-test-actionRunner',
  getRemainingTimeInMillis: () => 120_000,
} as unknown as Context;

handler(JSON.parse(process.argv[2]!), context).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (error: Error) => {
    process.stderr.write(`${error.name}: ${error.message}\n`);
    process.exitCode = 1;
  },
);
