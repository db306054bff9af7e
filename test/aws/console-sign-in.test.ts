import {
  AdminCreateUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { httpRequestFromApiGateway } from '../../lib/api/api-gateway-v2';
import type { ConsoleConfig } from '../../lib/api/console-config';
import { awsConsole } from '../../lib/compose/aws-console';
import { CONSOLE_VARIABLES } from '../../lib/compose/aws-environment';
import { apiGatewayEvent } from '../support/api-gateway-events';
import { claimsTheAuthorizerPasses, withJwtClaims } from '../support/jwt-authorizer';
import { motoClientConfig, motoEndpoint, REGION, uniqueName } from './support/moto-clients';

/*
 * The console's sign-in on AWS, as far as moto can show it: a user pool, its client and a user, and
 * the ID token that Cognito issues, signed with the pool's keys. moto has no hosted sign-in pages
 * (the code grant with PKCE that the page uses), and API Gateway's JWT authorizer is not here
 * either: `claimsTheAuthorizerPasses` does its checks (the signature by a key of the issuer's JWKS,
 * the issuer, the audience, the expiry) and hands on the claims as it does, every value a string.
 * test/browser/console-cognito.test.ts signs in through the hosted pages of a stand-in provider.
 */

describe("the console's sign-in on AWS, with a Cognito user pool on moto", () => {
  const cognito = new CognitoIdentityProviderClient(motoClientConfig());
  afterAll(() => cognito.destroy());
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  let poolId: string;
  let clientId: string;
  let config: ConsoleConfig;

  beforeAll(async () => {
    const pool = await cognito.send(
      new CreateUserPoolCommand({
        PoolName: uniqueName('sluice-console'),
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'OPTIONAL',
      }),
    );
    poolId = pool.UserPool!.Id!;
    const client = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: 'sluice-console',
        GenerateSecret: false,
        // The hosted sign-in that the page uses is not on moto: the test signs in as an administrator would.
        ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthScopes: ['openid', 'email', 'profile'],
        CallbackURLs: ['https://api.execute-api.us-east-1.amazonaws.com/'],
      }),
    );
    clientId = client.UserPoolClient!.ClientId!;
    // What serverless.yml gives the http function: the pool's issuer (CloudFormation's ProviderURL), its domain and its client.
    Object.assign(process.env, {
      [CONSOLE_VARIABLES.authority]: `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`,
      [CONSOLE_VARIABLES.domain]: `sluice-ci-123456789012.auth.${REGION}.amazoncognito.com`,
      [CONSOLE_VARIABLES.clientId]: clientId,
    });
    config = awsConsole().config;
  });

  async function idTokenOf(username: string): Promise<string> {
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: poolId,
        Username: username,
        UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }],
        MessageAction: 'SUPPRESS',
      }),
    );
    const password = 'Correct-horse-battery-9';
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: password, Permanent: true }));
    const { AuthenticationResult } = await cognito.send(
      new AdminInitiateAuthCommand({
        UserPoolId: poolId,
        ClientId: clientId,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    return AuthenticationResult!.IdToken!;
  }

  it("records the user Cognito issued an ID token to as the principal, from the claims of the pool the console's configuration names", async () => {
    const username = uniqueName('ada');
    const token = await idTokenOf(username);
    if (config.auth.kind !== 'cognito') throw new Error(`The console on AWS signs in with ${config.auth.kind}, not Cognito.`);

    const claims = await claimsTheAuthorizerPasses(token, {
      issuer: config.auth.authority,
      audience: config.auth.clientId,
      jwksUrl: `${motoEndpoint()}/${poolId}/.well-known/jwks.json`,
    });

    expect(config.auth).toMatchObject({ authority: `https://cognito-idp.${REGION}.amazonaws.com/${poolId}`, clientId, scopes: ['openid', 'email', 'profile'] });
    expect(claims).toMatchObject({ token_use: 'id', 'cognito:username': username });
    expect(httpRequestFromApiGateway(withJwtClaims(apiGatewayEvent('GET', '/console/api/pipelines'), claims)).principal).toBe(username);
  });

  it('lets no token through that another pool issued, or that names another client', async () => {
    const token = await idTokenOf(uniqueName('grace'));
    if (config.auth.kind !== 'cognito') throw new Error(`The console on AWS signs in with ${config.auth.kind}, not Cognito.`);
    const jwksUrl = `${motoEndpoint()}/${poolId}/.well-known/jwks.json`;

    await expect(
      claimsTheAuthorizerPasses(token, { issuer: `https://cognito-idp.${REGION}.amazonaws.com/${REGION}_Other`, audience: clientId, jwksUrl }),
    ).rejects.toThrow(/"iss"/);
    await expect(claimsTheAuthorizerPasses(token, { issuer: config.auth.authority, audience: 'another-client', jwksUrl })).rejects.toThrow(/"aud"/);
  });
});
