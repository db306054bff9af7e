import type { CloudFormationClient, DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import { AWS_CLI_SETTINGS, awsCliSettings } from '../../../lib/compose/aws-cli';
import { BadInputError, NotFoundError, SluiceError } from '../../../lib/core/errors';

/** Every variable set to a value that says which it is. */
const environment = Object.fromEntries(Object.values(AWS_CLI_SETTINGS).map(({ variable }) => [variable, `value of ${variable}`]));
/** Every output the stack has, with a value that says which it is. */
const outputs = Object.values(AWS_CLI_SETTINGS).map(({ output }) => ({ OutputKey: output, OutputValue: `output ${output}` }));

/** A CloudFormation client whose DescribeStacks gives `answer`, or throws it. */
function cloudFormation(answer: Partial<DescribeStacksCommandOutput> | Error, region = 'eu-west-1') {
  const send = jest.fn(async () => {
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return { client: { send, config: { region: async () => region } } as unknown as CloudFormationClient, send };
}

const stack = (Outputs: { OutputKey: string; OutputValue: string }[]) => ({
  Stacks: [{ StackName: 'sluice-prod', StackStatus: 'UPDATE_COMPLETE' as const, CreationTime: new Date(), Outputs }],
});
const noSuchStack = () => Object.assign(new Error('Stack with id sluice-prod does not exist'), { name: 'ValidationError' });

describe('awsCliSettings', () => {
  it('reads every setting from the outputs of the stack sluice-<stage>', async () => {
    const { client, send } = cloudFormation(stack(outputs));
    const settings = await awsCliSettings({ stage: 'prod' }, client, {});
    expect(settings).toMatchObject({
      tableName: 'output ExecutionTableName',
      publicUrl: 'output HttpApiUrl',
      functions: {
        stageStep: 'output StageStepFunctionArn',
        actionRunner: 'output ActionRunnerFunctionArn',
        approvalRequest: 'output ApprovalRequestFunctionArn',
      },
    });
    expect(send).toHaveBeenCalledTimes(1);
    expect((send.mock.calls[0] as unknown[])[0]).toMatchObject({ input: { StackName: 'sluice-prod' } });
  });

  it('lets an environment variable override its output', async () => {
    const { client } = cloudFormation(stack(outputs));
    const settings = await awsCliSettings({ stage: 'prod' }, client, { SLUICE_TABLE_NAME: 'from the environment' });
    expect(settings.tableName).toBe('from the environment');
    expect(settings.eventBusName).toBe('output EventBusName');
  });

  it('does not ask CloudFormation when every variable is set', async () => {
    const { client, send } = cloudFormation(new Error('not to be called'));
    expect(await awsCliSettings({ stage: 'prod' }, client, environment)).toMatchObject({
      tableName: 'value of SLUICE_TABLE_NAME',
      stateMachineRoleArn: 'value of SLUICE_STATE_MACHINE_ROLE_ARN',
      functions: { approvalRequest: 'value of SLUICE_APPROVAL_REQUEST_FUNCTION_ARN' },
    });
    expect(send).not.toHaveBeenCalled();
  });

  it('names the stack, the region and the deploy command when there is no stack', async () => {
    const { client } = cloudFormation(noSuchStack());
    const read = awsCliSettings({ stage: 'prod' }, client, {});
    await expect(read).rejects.toBeInstanceOf(NotFoundError);
    await expect(read).rejects.toThrow('There is no stack sluice-prod in eu-west-1. Deploy Sluice with npx osls deploy --stage prod --region eu-west-1');
  });

  it('lists the outputs an older stack lacks, with their variables, and says to redeploy', async () => {
    const older = outputs.filter(({ OutputKey }) => OutputKey !== 'HttpApiUrl' && OutputKey !== 'StageStepFunctionArn');
    const { client } = cloudFormation(stack(older));
    const read = awsCliSettings({ stage: 'prod' }, client, { SLUICE_PUBLIC_URL: 'https://api.example.com/' });
    await expect(read).rejects.toBeInstanceOf(BadInputError);
    await expect(read).rejects.toThrow(
      'The stack sluice-prod in eu-west-1 (UPDATE_COMPLETE) has no output StageStepFunctionArn: an older Sluice deployed it. Redeploy it with npx osls deploy --stage prod --region eu-west-1, or set SLUICE_STAGE_STEP_FUNCTION_ARN.',
    );
  });

  it('says which stack it could not read when the SDK fails, as without credentials', async () => {
    const { client } = cloudFormation(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const read = awsCliSettings({ stage: 'prod' }, client, {});
    await expect(read).rejects.toBeInstanceOf(SluiceError);
    await expect(read).rejects.toThrow('Could not read the outputs of the stack sluice-prod in eu-west-1: Could not load credentials from any providers');
  });

  it('asks for a region when none is configured', async () => {
    const client = {
      send: jest.fn(),
      config: {
        region: async () => {
          throw new Error('Region is missing');
        },
      },
    } as unknown as CloudFormationClient;
    await expect(awsCliSettings({ stage: 'prod' }, client, {})).rejects.toThrow(
      '--target aws needs the region of the stack sluice-prod: give --region, or set AWS_REGION.',
    );
  });
});
