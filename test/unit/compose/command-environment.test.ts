import os from 'node:os';
import { commandEnvironmentOnLambda } from '../../../lib/compose/command-environment';

/** What Lambda sets in a nodejs22.x function, with serverless.yml's variables and the role's credentials. */
const LAMBDA_ENVIRONMENT = {
  PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
  LANG: 'en_US.UTF-8',
  TZ: ':UTC',
  LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
  NODE_PATH: '/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'sluice-prod-actionRunner',
  AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
  AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/sluice-prod-actionRunner',
  LAMBDA_TASK_ROOT: '/var/task',
  _HANDLER: 'functions/tasks/action-runner.handler',
  _X_AMZN_TRACE_ID: 'Root=1-00000000-000000000000000000000000',
  AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: 'token',
  AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:9001/credentials',
  AWS_CONTAINER_AUTHORIZATION_TOKEN: 'authorization',
  TABLE_NAME: 'sluice-prod-executions',
  GITHUB_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:github',
  EXECUTION_ROLE_NAME: 'sluice-prod-action-runner',
};

describe('the environment of commands in Lambda', () => {
  it("passes the locale, time zone, paths and region, and nothing else of the function's", () => {
    expect(commandEnvironmentOnLambda(LAMBDA_ENVIRONMENT)).toEqual({
      PATH: LAMBDA_ENVIRONMENT.PATH,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      LD_LIBRARY_PATH: LAMBDA_ENVIRONMENT.LD_LIBRARY_PATH,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      HOME: os.tmpdir(),
    });
  });

  it('keeps a HOME that is set', () => {
    expect(commandEnvironmentOnLambda({ PATH: '/bin', HOME: '/home/sbx' })).toEqual({ PATH: '/bin', HOME: '/home/sbx' });
  });
});
