import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsTaskCallbacks } from '../../../../lib/adapters/aws/step-functions-task-callbacks';

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
});
