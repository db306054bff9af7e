import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { StepFunctionsTaskCallbacks } from '../../../../lib/adapters/aws/step-functions-task-callbacks';
import { TaskNotWaitingError } from '../../../../lib/ports/task-callbacks';

/** A Step Functions endpoint (JSON 1.0) that refuses every call with `type`, as the service does. */
async function refusingStepFunctions(type: string, status = 400): Promise<{ client: SFNClient; targets: string[]; server: Server }> {
  const targets: string[] = [];
  const server = createServer((request, response) => {
    targets.push(String(request.headers['x-amz-target']));
    request.resume().on('end', () => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${type}`, message: `${type} from the test server` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new SFNClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return { client, targets, server };
}

function recordingClient(): { client: SFNClient; sent: unknown[] } {
  const sent: unknown[] = [];
  const client = { send: async (command: unknown) => void sent.push(command) } as unknown as SFNClient;
  return { client, sent };
}

describe('StepFunctionsTaskCallbacks', () => {
  it('sends the output as JSON', async () => {
    const { client, sent } = recordingClient();

    await new StepFunctionsTaskCallbacks(client).succeed('token-1', { status: 'Approved' });

    expect(sent[0]).toBeInstanceOf(SendTaskSuccessCommand);
    expect((sent[0] as SendTaskSuccessCommand).input).toEqual({ taskToken: 'token-1', output: '{"status":"Approved"}' });
  });

  it('cuts the error and the cause to the lengths SendTaskFailure accepts, never inside a surrogate pair', async () => {
    const { client, sent } = recordingClient();

    await new StepFunctionsTaskCallbacks(client).fail('token-1', `Sluice.${'E'.repeat(300)}`, `${'x'.repeat(32767)}😀 and more`);

    expect(sent[0]).toBeInstanceOf(SendTaskFailureCommand);
    const { error, cause } = (sent[0] as SendTaskFailureCommand).input;
    expect(error).toHaveLength(256);
    expect(cause).toBe('x'.repeat(32767));
  });

  it('sends a short error and cause unchanged', async () => {
    const { client, sent } = recordingClient();

    await new StepFunctionsTaskCallbacks(client).fail('token-1', 'Sluice.ApprovalRejected', 'no');

    expect((sent[0] as SendTaskFailureCommand).input).toEqual({ taskToken: 'token-1', error: 'Sluice.ApprovalRejected', cause: 'no' });
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])('reports %s as a Task no longer waiting, and records nothing', async (type) => {
    const { client, targets, server } = await refusingStepFunctions(type);
    const recorded: string[] = [];
    try {
      const callbacks = new StepFunctionsTaskCallbacks(client);
      await expect(callbacks.succeed('token-1', {}, async () => void recorded.push('success'))).rejects.toBeInstanceOf(TaskNotWaitingError);
      await expect(callbacks.fail('token-1', 'Sluice.ApprovalRejected', 'no', async () => void recorded.push('failure'))).rejects.toMatchObject({
        name: 'Sluice.TaskNotWaiting',
        message: expect.stringContaining(type),
      });
      expect(targets).toEqual(['AWSStepFunctions.SendTaskSuccess', 'AWSStepFunctions.SendTaskFailure']);
      expect(recorded).toEqual([]);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('lets any other refusal through as it is, so that the decision can be tried again', async () => {
    const { client, server } = await refusingStepFunctions('ThrottlingException');
    try {
      const failure = new StepFunctionsTaskCallbacks(client).succeed('token-1', {}, async () => undefined);
      await expect(failure).rejects.toMatchObject({ name: 'ThrottlingException' });
      await expect(failure).rejects.not.toBeInstanceOf(TaskNotWaitingError);
    } finally {
      client.destroy();
      server.close();
    }
  });

  it('records what the callback decided once Step Functions has taken it', async () => {
    const { client, sent } = recordingClient();
    const sentBeforeRecord: number[] = [];

    await new StepFunctionsTaskCallbacks(client).succeed('token-1', {}, async () => void sentBeforeRecord.push(sent.length));

    expect(sentBeforeRecord).toEqual([1]);
  });
});
