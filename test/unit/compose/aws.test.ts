const ENVIRONMENT = {
  AWS_REGION: 'eu-west-1',
  TABLE_NAME: 'sluice-executions',
  IDEMPOTENCY_TABLE_NAME: 'sluice-idempotency',
  ARTIFACT_BUCKET: 'sluice-artifacts',
  EVENT_BUS_NAME: 'sluice-ci',
  APPROVAL_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:approvals',
  PUBLIC_URL: 'https://api.execute-api.eu-west-1.amazonaws.com/',
  PIPELINE_ARN_PREFIX: 'arn:aws:codepipeline:eu-west-1:123456789012:',
  GITHUB_TOKEN_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sluice/ci/github-token-AbCdEf',
  GITHUB_API_URL: 'https://github.example.com/api/v3',
};

/** compose/aws.ts keeps what it built for the container, so each test loads it afresh. */
function loadCompose(): typeof import('../../../lib/compose/aws') {
  let loaded: typeof import('../../../lib/compose/aws') | undefined;
  jest.isolateModules(() => {
    loaded = require('../../../lib/compose/aws');
  });
  return loaded!;
}

/** compose/aws-jobs.ts, with the compose/aws.ts it builds on, loaded afresh. */
function loadJobCompose(): typeof import('../../../lib/compose/aws-jobs') {
  let loaded: typeof import('../../../lib/compose/aws-jobs') | undefined;
  jest.isolateModules(() => {
    loaded = require('../../../lib/compose/aws-jobs');
  });
  return loaded!;
}

/** compose/aws-actions.ts, with the compose/aws.ts it builds on, loaded afresh. */
function loadActionCompose(): typeof import('../../../lib/compose/aws-actions') {
  let loaded: typeof import('../../../lib/compose/aws-actions') | undefined;
  jest.isolateModules(() => {
    loaded = require('../../../lib/compose/aws-actions');
  });
  return loaded!;
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe('awsDependencies', () => {
  it('names the environment variable that is missing', () => {
    Object.assign(process.env, ENVIRONMENT);
    delete process.env.EVENT_BUS_NAME;
    expect(() => loadCompose().awsDependencies()).toThrow(/EVENT_BUS_NAME is not set/);
  });

  it('builds the dependencies once, with approval links under the public URL and pipeline ARNs of the account', () => {
    Object.assign(process.env, ENVIRONMENT);
    const { awsDependencies } = loadCompose();
    const deps = awsDependencies();
    expect(awsDependencies()).toBe(deps);
    expect(deps.approvalUrl('abc')).toBe('https://api.execute-api.eu-west-1.amazonaws.com/approvals/abc');
    expect(deps.pipelineArn('webapp')).toBe('arn:aws:codepipeline:eu-west-1:123456789012:webapp');
    expect(deps.artifactBucket).toBe('sluice-artifacts');
    // The specs, which compilation reads; no run code, nor what only running actions needs.
    expect(deps.providers.get('Deploy/AWS/S3')).toEqual({ spec: expect.objectContaining({ provider: 'S3', category: 'Deploy' }) });
    expect(deps.repositoryHosts).toBeUndefined();
    expect(deps.builds).toBeUndefined();
    expect(deps.jobFunctions).toBeUndefined();
  });

  it('names the variable that only the functions starting executions have, when another asks for the engine', () => {
    Object.assign(process.env, ENVIRONMENT);
    expect(() => loadCompose().awsStartInBackground()).toThrow(/STATE_MACHINE_ROLE_ARN is not set/);
  });

  it('names the variable that only the http function has, when its API is asked for', () => {
    Object.assign(process.env, ENVIRONMENT, {
      STATE_MACHINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/sluice-states',
      STATE_MACHINE_NAME_PREFIX: 'sluice-ci-',
    });
    expect(() => loadJobCompose().awsOperations()).toThrow(/STATE_MACHINE_LOG_GROUP_ARN is not set\. serverless\.yml sets it on the http function/);
  });
});

describe('awsJobDependencies', () => {
  it("builds them once, on awsDependencies, with Lambda invoke actions' job functions and, where the role is told, artifact credentials", () => {
    Object.assign(process.env, ENVIRONMENT, { ARTIFACT_ACCESS_ROLE_ARN: 'arn:aws:iam::123456789012:role/sluice-ci-artifact-access' });
    const { awsJobDependencies } = loadJobCompose();
    const deps = awsJobDependencies();
    expect(awsJobDependencies()).toBe(deps);
    expect(deps.artifactBucket).toBe('sluice-artifacts');
    expect(deps.jobFunctions).toBeDefined();
    expect(deps.artifactCredentials).toBeDefined();
  });
});

describe('awsSourcePollDependencies', () => {
  it("builds them once, on awsDependencies, with CodeCommit in the function's region and no provider's run code", () => {
    Object.assign(process.env, ENVIRONMENT);
    let loaded: typeof import('../../../lib/compose/aws-source-poll') | undefined;
    jest.isolateModules(() => {
      loaded = require('../../../lib/compose/aws-source-poll');
    });
    const deps = loaded!.awsSourcePollDependencies();
    expect(loaded!.awsSourcePollDependencies()).toBe(deps);
    // The specs, which compilation reads, without their run code: the polled sources' loads when first polled.
    expect(deps.providers.get('Source/AWS/CodeCommit')).toEqual({ spec: expect.objectContaining({ provider: 'CodeCommit' }) });
    expect(deps.providers.get('Deploy/AWS/ECS')).toEqual({ spec: expect.objectContaining({ provider: 'ECS' }) });
    expect(deps.codeCommit).toMatchObject({ region: 'eu-west-1' });
  });
});

describe('awsActionDependencies', () => {
  it("builds them once, on awsDependencies, with the providers' run code, the repository hosts and CodeBuild's builds", () => {
    Object.assign(process.env, ENVIRONMENT, { COMMANDS_PROJECT_NAME: 'sluice-ci-commands' });
    const { awsActionDependencies } = loadActionCompose();
    const deps = awsActionDependencies();
    expect(awsActionDependencies()).toBe(deps);
    expect(deps.artifactBucket).toBe('sluice-artifacts');
    expect(typeof deps.providers.get('Deploy/AWS/S3')?.run).toBe('function');
    expect(typeof deps.providers.get('Source/AWS/CodeCommit')?.latestRevision).toBe('function');
    expect(deps.repositoryHosts).toBeDefined();
    expect(deps.builds).toBeDefined();
    expect(deps.alarms).toBeDefined();
    expect(deps.commandsProjectName).toBe('sluice-ci-commands');
  });

  it("reads CodeCommit in the function's region and the stack's account, as the function's role", () => {
    Object.assign(process.env, ENVIRONMENT, { EXECUTION_ROLE_NAME: 'sluice-ci-ActionRunnerRole-1A2B3C' });
    const { codeCommit } = loadActionCompose().awsActionDependencies();
    expect(codeCommit).toMatchObject({ region: 'eu-west-1', identity: 'sluice-ci-ActionRunnerRole-1A2B3C' });
    expect(codeCommit?.repositoryUrl('webapp')).toBe('https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/webapp');
    expect(codeCommit?.repositoryArn('webapp')).toBe('arn:aws:codecommit:eu-west-1:123456789012:webapp');
  });
});
