import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateStateMachineCommand, DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { EXECUTION_OUTPUT_FILE, stepFunctionsInvoke } from '../../lib/actions/step-functions-invoke';
import { BadInputError } from '../../lib/core/errors';
import { AwsActionHarness } from './support/aws-actions';
import { ACCOUNT, motoClientConfig, uniqueName } from './support/moto-clients';

const actionTypeId = { category: 'Invoke', owner: 'AWS', provider: 'StepFunctions', version: '1' } as const;

/**
 * A state machine in `region`: moto runs one execution per account and region, so each test has a
 * region of its own that no other test file uses.
 */
async function stateMachine(region: string, definition: object): Promise<string> {
  const sfn = new SFNClient({ ...motoClientConfig(), region });
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('invoked'), definition: JSON.stringify(definition), roleArn: `arn:aws:iam::${ACCOUNT}:role/invoked` }),
  );
  return stateMachineArn!;
}

const passThrough = { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } };

describe('StepFunctions invoke on moto: an execution started, waited for, and its output kept', () => {
  const suite = AwsActionHarness.forSuite();

  it('starts the execution with the Literal input and the name prefix, waits for it, and gives its output as the artifact and its ARNs as variables', async () => {
    const region = 'us-west-1';
    const stateMachineArn = await stateMachine(region, passThrough);
    const { context, log } = await suite.harness.context({
      actionTypeId,
      region,
      configuration: { StateMachineArn: stateMachineArn, ExecutionNamePrefix: 'release', Input: '{"version":"1.4.2"}' },
      outputArtifacts: [{ name: 'InvokeOutput' }],
    });
    const { outcome } = await suite.harness.runToEnd(stepFunctionsInvoke, context);

    const executionArn = outcome.outputVariables.ExecutionArn!;
    expect(outcome.outputVariables).toEqual({ StateMachineArn: stateMachineArn, ExecutionArn: executionArn });
    const execution = await new SFNClient({ ...motoClientConfig(), region }).send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({ status: 'SUCCEEDED', stateMachineArn, input: '{"version":"1.4.2"}' });
    expect(execution.name).toMatch(/^release-[0-9a-f-]{36}$/);
    const fetched = await suite.harness.fetchBack(outcome);
    expect(JSON.parse(await readFile(path.join(fetched, EXECUTION_OUTPUT_FILE), 'utf8'))).toEqual({ version: '1.4.2' });
    expect(log.join('')).toContain(`Started execution ${execution.name}`);
  });

  it('reads the input from the file of the input artifact that Input names, with FilePath', async () => {
    const region = 'us-west-2';
    const stateMachineArn = await stateMachine(region, passThrough);
    const { context } = await suite.harness.contextWithInput(
      { actionTypeId, region, configuration: { StateMachineArn: stateMachineArn, InputType: 'FilePath', Input: 'assets/input.json' } },
      { 'assets/input.json': '{"stage":"prod"}' },
    );
    const { outcome } = await suite.harness.runToEnd(stepFunctionsInvoke, context);

    const execution = await new SFNClient({ ...motoClientConfig(), region }).send(
      new DescribeExecutionCommand({ executionArn: outcome.outputVariables.ExecutionArn }),
    );
    expect(execution).toMatchObject({ status: 'SUCCEEDED', input: '{"stage":"prod"}' });
    expect(execution.name).toMatch(/^[0-9a-f-]{36}$/);
    expect(outcome.outputArtifacts).toEqual([]);
  });

  it("fails the action with a failed execution's error and cause", async () => {
    const region = 'us-east-2';
    const stateMachineArn = await stateMachine(region, {
      StartAt: 'Check',
      States: { Check: { Type: 'Pass', Next: 'Refuse' }, Refuse: { Type: 'Fail', Error: 'SmokeTest.Failed', Cause: 'GET /health answered 503' } },
    });
    const { context } = await suite.harness.context({ actionTypeId, region, configuration: { StateMachineArn: stateMachineArn } });

    const failure = suite.harness.runToEnd(stepFunctionsInvoke, context);
    await expect(failure).rejects.toThrow(BadInputError);
    await expect(failure).rejects.toThrow(/ended FAILED: SmokeTest\.Failed: GET \/health answered 503\.$/);
  });

  it('refuses, before it starts an execution, a FilePath input that the input artifact lacks or that leads outside it', async () => {
    const region = 'eu-west-2';
    const stateMachineArn = await stateMachine(region, passThrough);
    const input = await suite.harness.inputArtifact('Assets', { 'assets/input.json': '{}' });
    for (const file of ['assets/missing.json', '../../../etc/hostname']) {
      const { context } = await suite.harness.context(
        { actionTypeId, region, configuration: { StateMachineArn: stateMachineArn, InputType: 'FilePath', Input: file }, inputArtifacts: [{ name: 'Assets' }] },
        [input],
      );
      await expect(stepFunctionsInvoke.run!(context)).rejects.toThrow(`Input: the input artifact Assets has no file ${file}.`);
    }
    const { context } = await suite.harness.context({
      actionTypeId,
      region,
      configuration: { StateMachineArn: stateMachineArn, InputType: 'FilePath', Input: 'in.json' },
    });
    await expect(stepFunctionsInvoke.run!(context)).rejects.toThrow('Input names a file of the input artifact, and the action has no input artifact.');
  });
});
