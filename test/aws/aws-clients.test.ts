import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SdkAwsClients } from '../../lib/adapters/aws/aws-clients';
import { ACCOUNT, motoEndpoint } from './support/moto-clients';

describe("SdkAwsClients: the clients of actions that call AWS (moto's STS)", () => {
  // As on a developer's machine: the SDK's own variables name the endpoint and the credentials.
  beforeAll(() => {
    Object.assign(process.env, { AWS_ENDPOINT_URL: motoEndpoint(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  });
  const clients = new SdkAwsClients('us-east-1');
  const identity = async (client: STSClient) => (await client.send(new GetCallerIdentityCommand({}))).Arn;

  it("calls as the credential chain's identity where the action names no role", async () => {
    const arn = await identity(clients.client(STSClient));
    expect(arn).toContain(`:${ACCOUNT}:`);
    expect(arn).not.toContain('assumed-role');
  });

  it("assumes the action's role for its calls", async () => {
    const arn = await identity(clients.client(STSClient, { roleArn: `arn:aws:iam::${ACCOUNT}:role/deployer` }));
    expect(arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/deployer/sluice-action`);
  });

  it("builds the client in the action's region, or the default one, and keeps each for reuse", async () => {
    const inIreland = clients.client(STSClient, { region: 'eu-west-1' });
    expect(await inIreland.config.region()).toBe('eu-west-1');
    expect(await clients.client(STSClient).config.region()).toBe('us-east-1');
    expect(clients.client(STSClient, { region: 'eu-west-1' })).toBe(inIreland);
    expect(clients.client(STSClient, { region: 'eu-west-1', roleArn: `arn:aws:iam::${ACCOUNT}:role/deployer` })).not.toBe(inIreland);
  });
});
