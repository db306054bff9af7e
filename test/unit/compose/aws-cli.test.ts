import { AWS_CLI_SETTINGS, awsCliSettings } from '../../../lib/compose/aws-cli';
import { BadInputError } from '../../../lib/core/errors';

/** Every variable set to a value that says which it is. */
const environment = Object.fromEntries(Object.values(AWS_CLI_SETTINGS).map(({ variable }) => [variable, `value of ${variable}`]));

describe('awsCliSettings', () => {
  it('reads the stack settings from their variables', () => {
    expect(awsCliSettings({ stage: 'prod' }, environment)).toMatchObject({
      tableName: 'value of SLUICE_TABLE_NAME',
      stateMachineRoleArn: 'value of SLUICE_STATE_MACHINE_ROLE_ARN',
      functions: {
        stageStep: 'value of SLUICE_STAGE_STEP_FUNCTION_ARN',
        actionRunner: 'value of SLUICE_ACTION_RUNNER_FUNCTION_ARN',
        approvalRequest: 'value of SLUICE_APPROVAL_REQUEST_FUNCTION_ARN',
      },
    });
  });

  it('names every missing variable with the stack output that holds its value', () => {
    const { SLUICE_TABLE_NAME: _table, SLUICE_ACTION_RUNNER_FUNCTION_ARN: _runner, ...partial } = environment;
    const read = () => awsCliSettings({ stage: 'prod' }, partial);
    expect(read).toThrow(BadInputError);
    expect(read).toThrow('SLUICE_TABLE_NAME: the output ExecutionTableName');
    expect(read).toThrow('SLUICE_ACTION_RUNNER_FUNCTION_ARN: the output ActionRunnerFunctionArn');
    expect(read).toThrow('--stack-name sluice-prod');
    expect(read).not.toThrow('SLUICE_EVENT_BUS_NAME');
  });
});
