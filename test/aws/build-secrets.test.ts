import { mkdtempSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseBuildspec } from '../../lib/actions/codebuild/buildspec';
import { runLocalBuild } from '../../lib/actions/codebuild/local-build';
import { SecretsManagerSecretStore, SsmParameterStore } from '../../lib/adapters/aws/build-secrets';
import type { BuildSecrets } from '../../lib/ports/build-secrets';
import { sluice, writeDeclaration } from '../support/cli';
import { buildStage, gitSourceStage } from '../support/declarations';
import { gitRepository } from '../support/git-repository';
import { motoClientConfig, motoEndpoint, REGION, uniqueName } from './support/moto-clients';

jest.setTimeout(120_000);

const ssm = new SSMClient(motoClientConfig());
const secretsManager = new SecretsManagerClient(motoClientConfig());
const secrets: BuildSecrets = { parameterStore: new SsmParameterStore(ssm), secretsManager: new SecretsManagerSecretStore(secretsManager) };
afterAll(() => {
  ssm.destroy();
  secretsManager.destroy();
});

const temporary: string[] = [];
afterEach(async () => {
  await Promise.all(temporary.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function putParameter(value: string): Promise<string> {
  const name = `/${uniqueName('sluice-test')}/password`;
  await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString' }));
  return name;
}

async function createSecret(value: string): Promise<{ name: string; arn: string }> {
  const name = uniqueName('sluice-test-secret');
  const { ARN } = await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return { name, arn: ARN! };
}

/** Runs a build whose env.exported-variables hands back what the shell saw of `names`. */
async function buildSeeing(names: string[], envLines: string[], request: Partial<Parameters<typeof runLocalBuild>[0]> = {}) {
  const sourceDirectory = await mkdtemp(path.join(tmpdir(), 'sluice-secrets-'));
  temporary.push(sourceDirectory);
  const chunks: string[] = [];
  const result = await runLocalBuild({
    buildspec: parseBuildspec(
      ['version: 0.2', 'env:', `  exported-variables: [${names.join(', ')}]`, ...envLines, 'phases: { build: { commands: ["true"] } }'].join('\n'),
      'buildspec.yml',
    ),
    sourceDirectory,
    secondarySourceDirectories: {},
    environment: {},
    timeoutSeconds: 20,
    onLog: (text) => chunks.push(text),
    secrets,
    ...request,
  });
  return { result, log: chunks.join('') };
}

describe('secret variables of a local build, on Parameter Store and Secrets Manager (moto)', () => {
  it("reads the buildspec's parameter-store and secrets-manager, by name, ARN, JSON key and version stage", async () => {
    const parameter = await putParameter('s3cr3t');
    const plain = await createSecret('whole-text');
    const json = await createSecret(JSON.stringify({ user: 'admin', password: 'old' }));
    await secretsManager.send(new PutSecretValueCommand({ SecretId: json.arn, SecretString: JSON.stringify({ password: 'new' }) }));
    const { result } = await buildSeeing(
      ['PARAMETER', 'WHOLE', 'USER_BY_ARN', 'PASSWORD_NOW', 'PASSWORD_BEFORE'],
      [
        `  parameter-store: { PARAMETER: "${parameter}" }`,
        '  secrets-manager:',
        `    WHOLE: "${plain.name}"`,
        `    USER_BY_ARN: "${json.arn}:user:AWSPREVIOUS"`,
        `    PASSWORD_NOW: "${json.name}:password"`,
        `    PASSWORD_BEFORE: "${json.name}:password:AWSPREVIOUS"`,
      ],
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(result.exportedVariables).toEqual({
      PARAMETER: 's3cr3t',
      WHOLE: 'whole-text',
      USER_BY_ARN: 'admin',
      PASSWORD_NOW: 'new',
      PASSWORD_BEFORE: 'old',
    });
  });

  it("reads the request's secret variables, which override the buildspec's", async () => {
    const parameter = await putParameter('from-the-action');
    const { result } = await buildSeeing(['DB_PASSWORD'], ['  parameter-store: { DB_PASSWORD: /no/such/parameter }'], {
      secretVariables: [{ name: 'DB_PASSWORD', source: 'PARAMETER_STORE', reference: parameter }],
    });
    expect(result).toMatchObject({ status: 'SUCCEEDED', exportedVariables: { DB_PASSWORD: 'from-the-action' } });
  });

  it('fails before running anything, naming the variable, when a parameter, secret or JSON key does not exist', async () => {
    const missingParameter = await buildSeeing(['A'], ['  parameter-store: { A: /sluice/no/such/parameter }']);
    expect(missingParameter.result).toMatchObject({ status: 'FAILED', failedPhase: 'DOWNLOAD_SOURCE' });
    expect(missingParameter.result.message).toMatch(/^A could not be read from Parameter Store \(\/sluice\/no\/such\/parameter\): /);
    expect(missingParameter.log).not.toContain('Entering phase');

    const json = await createSecret(JSON.stringify({ user: 'admin' }));
    const missingKey = await buildSeeing(['B'], [`  secrets-manager: { B: "${json.name}:password" }`]);
    expect(missingKey.result.message).toBe(`B could not be read from Secrets Manager (${json.name}:password): the secret has no key password`);
  });

  it('fails, saying what to set, when a build has secret variables and no endpoint for their service', async () => {
    const { result } = await buildSeeing(['TOKEN'], ['  secrets-manager: { TOKEN: some-secret }'], { secrets: { parameterStore: secrets.parameterStore! } });
    expect(result).toMatchObject({ status: 'FAILED', failedPhase: 'DOWNLOAD_SOURCE' });
    expect(result.message).toContain(
      'TOKEN comes from Secrets Manager, which a local build reads only through an endpoint: set AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL',
    );
  });
});

describe('sluice run with AWS_ENDPOINT_URL at moto', () => {
  it("resolves a CodeBuild action's PARAMETER_STORE and SECRETS_MANAGER EnvironmentVariables", async () => {
    const parameter = await putParameter('from-parameter-store');
    const secret = await createSecret(JSON.stringify({ token: 'from-secrets-manager' }));
    const repo = gitRepository({
      'buildspec.yml': ['version: 0.2', 'env:', '  exported-variables: [DB_PASSWORD, API_TOKEN]', 'phases: { build: { commands: ["true"] } }', ''].join('\n'),
    });
    const variables = [
      { name: 'DB_PASSWORD', value: parameter, type: 'PARAMETER_STORE' },
      { name: 'API_TOKEN', value: `${secret.name}:token`, type: 'SECRETS_MANAGER' },
    ];
    const file = writeDeclaration(mkdtempSync(path.join(tmpdir(), 'sluice-pipeline-')), {
      name: 'secret-variables',
      stages: [gitSourceStage(repo.dir), buildStage('Compile', { ProjectName: 'secrets', EnvironmentVariables: JSON.stringify(variables) })],
    });
    const data = mkdtempSync(path.join(tmpdir(), 'sluice-data-'));
    const moto = { AWS_ENDPOINT_URL: motoEndpoint(), AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

    const run = sluice(['run', file, '--data-dir', data, '--json'], { env: moto });
    expect(run.code).toBe(0);
    const listed = sluice(['list-action-executions', 'secret-variables', '--data-dir', data, '--json'], { env: moto });
    const compile = (
      JSON.parse(listed.stdout) as { actionExecutionDetails: { actionName: string; output: { outputVariables: object } }[] }
    ).actionExecutionDetails.find((detail) => detail.actionName === 'Compile');
    expect(compile?.output.outputVariables).toEqual({ DB_PASSWORD: 'from-parameter-store', API_TOKEN: 'from-secrets-manager' });

    const refused = sluice(['run', file, '--data-dir', mkdtempSync(path.join(tmpdir(), 'sluice-data-')), '--json'], {
      env: { AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_SSM: '', AWS_ENDPOINT_URL_SECRETS_MANAGER: '' },
    });
    expect(refused.code).toBe(2);
    expect(refused.stdout + refused.stderr).toContain(
      'DB_PASSWORD comes from Parameter Store, which a local build reads only through an endpoint: set AWS_ENDPOINT_URL_SSM',
    );
  });
});
