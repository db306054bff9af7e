import { consoleHeaders } from '../../../lib/api/console-routes';
import { awsConsole } from '../../../lib/compose/aws-console';

/** What serverless.yml sets on the http function for the console, as CloudFormation resolves it. */
const CONSOLE_ENVIRONMENT = {
  CONSOLE_AUTHORITY: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
  CONSOLE_SIGN_IN_DOMAIN: 'sluice-prod-123456789012.auth.eu-west-1.amazoncognito.com',
  CONSOLE_CLIENT_ID: '4k2n6p8r0t2v4x6z8b0d2f4h6j',
  LAMBDA_TASK_ROOT: '/var/task',
};

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('awsConsole', () => {
  it("tells the page to sign in with the stack's user pool, through its hosted domain and client, and to poll", () => {
    Object.assign(process.env, CONSOLE_ENVIRONMENT);
    expect(awsConsole().config).toEqual({
      auth: {
        kind: 'cognito',
        authority: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
        domain: 'sluice-prod-123456789012.auth.eu-west-1.amazoncognito.com',
        clientId: '4k2n6p8r0t2v4x6z8b0d2f4h6j',
        scopes: ['openid', 'email', 'profile'],
      },
      live: 'poll',
    });
  });

  it("lets the page reach the pool's hosted domain and its issuer, and no other origin", () => {
    Object.assign(process.env, CONSOLE_ENVIRONMENT);
    const policy = consoleHeaders(awsConsole().config)['content-security-policy'];
    expect(policy).toContain(
      "connect-src 'self' https://sluice-prod-123456789012.auth.eu-west-1.amazoncognito.com https://cognito-idp.eu-west-1.amazonaws.com;",
    );
  });

  it("serves the built console from the function's package, where Lambda unpacks it", () => {
    Object.assign(process.env, CONSOLE_ENVIRONMENT);
    expect(awsConsole().assetsDir).toBe('/var/task/dist/console');
  });

  it.each(['CONSOLE_AUTHORITY', 'CONSOLE_SIGN_IN_DOMAIN', 'CONSOLE_CLIENT_ID'])('names %s when it is missing, and where serverless.yml sets it', (variable) => {
    Object.assign(process.env, CONSOLE_ENVIRONMENT);
    delete process.env[variable];
    expect(() => awsConsole()).toThrow(`The environment variable ${variable} is not set. serverless.yml sets it on the http function`);
  });
});
