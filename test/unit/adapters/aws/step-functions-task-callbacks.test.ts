import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsTaskCallbacks } from '../../../../lib/adapters/aws/step-functions-task-callbacks';
import { ApprovalRejectedError, TaskNotWaitingError } from '../../../../lib/core/errors';
import { refusingStepFunctions } from '../../../support/refusing-step-functions';

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

  it('cuts the cause to the length SendTaskFailure accepts, never inside a surrogate pair', async () => {
    const { client, sent } = recordingClient();

    await new StepFunctionsTaskCallbacks(client).fail('token-1', new ApprovalRejectedError(`${'x'.repeat(32767)}😀 and more`));

    expect(sent[0]).toBeInstanceOf(SendTaskFailureCommand);
    const { error, cause } = (sent[0] as SendTaskFailureCommand).input;
    expect(error).toBe('Sluice.ApprovalRejected');
    expect(cause).toBe('x'.repeat(32767));
  });

  it('sends a short error and cause unchanged', async () => {
    const { client, sent } = recordingClient();

    await new StepFunctionsTaskCallbacks(client).fail('token-1', new ApprovalRejectedError('no'));

    expect((sent[0] as SendTaskFailureCommand).input).toEqual({ taskToken: 'token-1', error: 'Sluice.ApprovalRejected', cause: 'no' });
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'])('reports %s as a Task no longer waiting, and records nothing', async (type) => {
    const { client, targets, close } = await refusingStepFunctions(type);
    const recorded: string[] = [];
    try {
      const callbacks = new StepFunctionsTaskCallbacks(client);
      await expect(callbacks.succeed('token-1', {}, async () => void recorded.push('success'))).rejects.toBeInstanceOf(TaskNotWaitingError);
      await expect(callbacks.fail('token-1', new ApprovalRejectedError('no'), async () => void recorded.push('failure'))).rejects.toMatchObject({
        name: 'Sluice.TaskNotWaiting',
        message: expect.stringContaining(type),
      });
      expect(targets).toEqual(['AWSStepFunctions.SendTaskSuccess', 'AWSStepFunctions.SendTaskFailure']);
      expect(recorded).toEqual([]);
    } finally {
      close();
    }
  });

  it('lets any other refusal through as it is, so that the decision can be tried again', async () => {
    const { client, close } = await refusingStepFunctions('ThrottlingException');
    try {
      const failure = new StepFunctionsTaskCallbacks(client).succeed('token-1', {}, async () => undefined);
      await expect(failure).rejects.toMatchObject({ name: 'ThrottlingException' });
      await expect(failure).rejects.not.toBeInstanceOf(TaskNotWaitingError);
    } finally {
      close();
    }
  });

  it('records what the callback decided once Step Functions has taken it', async () => {
    const { client, sent } = recordingClient();
    const sentBeforeRecord: number[] = [];

    await new StepFunctionsTaskCallbacks(client).succeed('token-1', {}, async () => void sentBeforeRecord.push(sent.length));

    expect(sentBeforeRecord).toEqual([1]);
  });
});
