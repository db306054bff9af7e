import { executionConsoleUrl, pipelineExecutionArn, pipelineStateMachineArn, stateMachineName } from '../../../../lib/adapters/aws/step-functions-engine';

describe('stateMachineName', () => {
  it('appends the pipeline name to the prefix', () => {
    expect(stateMachineName('sluice-prod-', 'webapp')).toBe('sluice-prod-webapp');
  });

  it('fits a 100-character CodePipeline name into 80, keeping it unique and the same on every call', () => {
    const long = `${'a'.repeat(90)}-one`;
    const other = `${'a'.repeat(90)}-two`;
    const name = stateMachineName('sluice-prod-', long);
    expect(name).toHaveLength(80);
    expect(name.startsWith('sluice-prod-aaaa')).toBe(true);
    expect(stateMachineName('sluice-prod-', long)).toBe(name);
    expect(stateMachineName('sluice-prod-', other)).not.toBe(name);
  });
});

describe('the ARNs and console page of a pipeline execution', () => {
  it("are made from the role's partition and account, the region, and the execution id", () => {
    const machine = pipelineStateMachineArn({ roleArn: 'arn:aws:iam::123456789012:role/sluice-states', namePrefix: 'sluice-prod-' }, 'eu-west-1', 'webapp');
    expect(machine).toBe('arn:aws:states:eu-west-1:123456789012:stateMachine:sluice-prod-webapp');
    const execution = pipelineExecutionArn(machine, 'e-1');
    expect(execution).toBe('arn:aws:states:eu-west-1:123456789012:execution:sluice-prod-webapp:e-1');
    expect(executionConsoleUrl(execution)).toBe(`https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${execution}`);
  });
});
