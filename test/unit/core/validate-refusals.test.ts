import { providerCatalog } from '../../../lib/actions/registry';
import type { Runtime } from '../../../lib/core/providers';
import { validatePipeline, type Problem } from '../../../lib/core/validate';
import { OBJECT_CANNED_ACLS } from '../../../lib/ports/blob-store';

/**
 * What a runtime would not honour is refused at validation, at its path, rather than accepted
 * and ignored: each case is a pipeline that is valid but for the one field it adds.
 */

type Action = Record<string, unknown>;
type Declaration = Record<string, unknown> & { stages: { name: string; actions: Action[] }[] };

const s3Source: Action = {
  name: 'Source',
  actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { S3Bucket: 'sources', S3ObjectKey: 'site.zip' },
  outputArtifacts: [{ name: 'Site' }],
};

const s3Deploy = (configuration: Record<string, string> = {}): Action => ({
  name: 'Publish',
  actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
  configuration: { BucketName: 'site', Extract: 'true', ...configuration },
  inputArtifacts: [{ name: 'Site' }],
});

function pipeline(deploy: Action = s3Deploy(), extra: Record<string, unknown> = {}): Declaration {
  return {
    name: 'webapp',
    stages: [
      { name: 'Source', actions: [s3Source] },
      { name: 'Deploy', actions: [deploy] },
    ],
    ...extra,
  };
}

function problemsOf(declaration: unknown, runtime?: Runtime, homeRegion?: string): Problem[] {
  const validation = validatePipeline(declaration, providerCatalog, { ...(runtime ? { runtime } : {}), ...(homeRegion ? { homeRegion } : {}) });
  return validation.problems;
}

describe('the S3 deploy configuration', () => {
  it.each(['aws', 'local'] as const)('accepts CacheControl on the %s runtime, which both put on every object', (runtime) => {
    expect(problemsOf(pipeline(s3Deploy({ CacheControl: 'public, max-age=60' })), runtime)).toEqual([]);
  });

  it('accepts every canned ACL S3 gives objects, and a KMS key, on the AWS runtime', () => {
    for (const acl of OBJECT_CANNED_ACLS) {
      expect(problemsOf(pipeline(s3Deploy({ CannedACL: acl, KMSEncryptionKeyARN: 'arn:aws:kms:us-east-1:123456789012:key/abc' })), 'aws')).toEqual([]);
    }
  });

  it.each([undefined, 'aws', 'local'] as const)('refuses a canned ACL S3 does not have for an object (runtime %s)', (runtime) => {
    expect(problemsOf(pipeline(s3Deploy({ CannedACL: 'log-delivery-write' })), runtime)).toContainEqual({
      path: 'stages[1].actions[0].configuration.CannedACL',
      rule: 'configuration-value',
      message: expect.stringContaining('not "log-delivery-write"'),
    });
  });

  it.each([
    ['CannedACL', 'public-read', 'keeps no ACLs'],
    ['KMSEncryptionKeyARN', 'arn:aws:kms:us-east-1:123456789012:key/abc', 'encrypts nothing with KMS'],
  ])('refuses %s on the local runtime, whose embedded S3 would not keep it, and says so', (key, value, why) => {
    const deploy = pipeline(s3Deploy({ [key]: value }));
    expect(problemsOf(deploy, 'local')).toEqual([
      {
        path: `stages[1].actions[0].configuration.${key}`,
        rule: 'configuration-runtime',
        message: expect.stringMatching(new RegExp(`^S3 on the local runtime does not honour ${key}: .*${why}.* Remove ${key}\\.$`)),
      },
    ]);
    expect(problemsOf(deploy, 'aws')).toEqual([]);
  });
});

describe('artifact stores', () => {
  const encrypted = { type: 'S3', location: 'amzn-s3-demo-bucket', encryptionKey: { id: 'arn:aws:kms:us-east-1:123456789012:key/abc', type: 'KMS' } };

  it('accepts them where no runtime is asked about: they are CodePipeline declarations', () => {
    expect(problemsOf(pipeline(undefined, { artifactStore: encrypted }))).toEqual([]);
    expect(problemsOf(pipeline(undefined, { artifactStores: { 'us-east-1': encrypted } }))).toEqual([]);
  });

  it('accepts an artifact store with its KMS key on the AWS runtime, which writes the artifacts there with that key', () => {
    expect(problemsOf(pipeline(undefined, { artifactStore: encrypted }), 'aws')).toEqual([]);
  });

  it('accepts an artifact store without a key on the local runtime, which keeps the artifacts in that bucket of the embedded S3', () => {
    expect(problemsOf(pipeline(undefined, { artifactStore: { type: 'S3', location: 'amzn-s3-demo-bucket' } }), 'local')).toEqual([]);
  });

  it('refuses the artifact store key on the local runtime, whose embedded S3 keeps no encryption, at its path', () => {
    expect(problemsOf(pipeline(undefined, { artifactStore: encrypted }), 'local')).toEqual([
      {
        path: 'artifactStore.encryptionKey',
        rule: 'artifact-store-runtime',
        message: expect.stringMatching(
          /keeps no encryption, so key "arn:aws:kms:us-east-1:123456789012:key\/abc" would not encrypt the artifacts\. Remove encryptionKey/,
        ),
      },
    ]);
  });

  it.each(['aws', 'local'] as const)("keeps a pipeline's roleArn on the %s runtime: GetPipeline shows it as it was given", (runtime) => {
    expect(problemsOf(pipeline(undefined, { roleArn: 'arn:aws:iam::123456789012:role/PipelineRole' }), runtime)).toEqual([]);
  });
});

describe("an action's roleArn and region", () => {
  const id = (category: string, provider: string, owner = 'AWS') => ({ category, owner, provider, version: '1' });
  const sources: Record<string, Action> = {
    S3: s3Source,
    CodeCommit: {
      name: 'Source',
      actionTypeId: id('Source', 'CodeCommit'),
      configuration: { RepositoryName: 'app', BranchName: 'main' },
      outputArtifacts: [{ name: 'Site' }],
    },
    CodeStarSourceConnection: {
      name: 'Source',
      actionTypeId: id('Source', 'CodeStarSourceConnection'),
      configuration: { ConnectionArn: 'arn:aws:codeconnections:us-east-1:123456789012:connection/abc', FullRepositoryId: 'octo/app', BranchName: 'main' },
      outputArtifacts: [{ name: 'Site' }],
    },
    Git: {
      name: 'Source',
      actionTypeId: id('Source', 'Git', 'Custom'),
      configuration: { RepositoryUrl: 'https://example.com/app.git', BranchName: 'main' },
      outputArtifacts: [{ name: 'Site' }],
    },
  };
  const later: Record<string, Action> = {
    'S3 deploy': s3Deploy(),
    Commands: { name: 'Test', actionTypeId: id('Compute', 'Commands'), commands: ['npm test'], inputArtifacts: [{ name: 'Site' }] },
    CodeBuild: { name: 'Build', actionTypeId: id('Build', 'CodeBuild'), configuration: { ProjectName: 'app' }, inputArtifacts: [{ name: 'Site' }] },
    Manual: { name: 'Approve', actionTypeId: id('Approval', 'Manual') },
  };

  /** The pipeline with `name`'s action given `fields`, and the path of that action. */
  function withAction(name: string, fields: Record<string, string>): [Declaration, string] {
    const declaration = pipeline();
    if (name in sources) {
      declaration.stages[0]!.actions[0] = { ...sources[name], ...fields };
      return [declaration, 'stages[0].actions[0]'];
    }
    declaration.stages[1]!.actions[0] = { ...later[name], ...fields };
    return [declaration, 'stages[1].actions[0]'];
  }

  const role = { roleArn: 'arn:aws:iam::123456789012:role/DeployRole', region: 'eu-west-1' };

  // The provider, the runtime, and whether the provider calls AWS there, where the fields could apply.
  // prettier-ignore
  const cases: [string, Runtime, boolean][] = [
    ['Commands', 'aws', false], ['Commands', 'local', false],
    ['Manual', 'aws', false], ['Manual', 'local', false],
    ['CodeStarSourceConnection', 'aws', false], ['CodeStarSourceConnection', 'local', false],
    ['Git', 'aws', false], ['Git', 'local', false],
    ['CodeBuild', 'local', false], ['CodeBuild', 'aws', true],
    ['S3 deploy', 'local', false], ['S3 deploy', 'aws', true],
    ['S3', 'local', false], ['S3', 'aws', true],
    ['CodeCommit', 'local', true], ['CodeCommit', 'aws', true],
  ];

  it.each(cases.filter(([, , callsAws]) => !callsAws))('are refused on a %s action on the %s runtime, which calls no AWS service there', (name, runtime) => {
    const [declaration, at] = withAction(name, role);
    expect(problemsOf(declaration, runtime)).toEqual([
      {
        path: `${at}.roleArn`,
        rule: 'action-role-region',
        message: expect.stringMatching(new RegExp(`calls no AWS service on the ${runtime} runtime.*Remove roleArn\\.$`)),
      },
      { path: `${at}.region`, rule: 'action-role-region', message: expect.stringMatching(/Remove region\.$/) },
    ]);
    expect(problemsOf(declaration)).toEqual([]);
  });

  it.each(cases.filter(([, , callsAws]) => callsAws))('are accepted on a %s action on the %s runtime, which calls AWS there', (name, runtime) => {
    const [declaration] = withAction(name, role);
    expect(problemsOf(declaration, runtime)).toEqual([]);
  });
});

describe('a provider that runs on no runtime yet', () => {
  it('is accepted as a CodePipeline declaration and refused on each runtime, saying that Sluice runs it nowhere yet', () => {
    const s3DeploySpec = providerCatalog.get('Deploy/AWS/S3')!;
    const catalog = new Map(providerCatalog).set('Deploy/AWS/S3', { ...s3DeploySpec, runtimes: [] });
    expect(validatePipeline(pipeline(), catalog).problems).toEqual([]);
    for (const runtime of ['aws', 'local'] as const) {
      expect(validatePipeline(pipeline(), catalog, { runtime }).problems).toEqual([
        {
          path: 'stages[1].actions[0].actionTypeId.provider',
          rule: 'provider-runtime',
          message: `Deploy provider AWS/S3 is not available on the ${runtime} runtime; Sluice checks its declarations but runs it on no runtime yet.`,
        },
      ]);
    }
  });
});

describe("CodePipeline's providers that Sluice does not have yet", () => {
  it.each([
    ['CloudFormationStackSet', 'CloudFormation StackSets'],
    ['CloudFormationStackInstances', 'CloudFormation StackSets instances'],
    ['ElasticBeanstalk', 'Elastic Beanstalk'],
    ['ServiceCatalog', 'Service Catalog'],
    ['AppConfig', 'AppConfig'],
    ['EKS', 'Amazon EKS'],
    ['CodeDeployToECS', 'Amazon ECS blue/green'],
  ])('refuses Deploy provider %s by name, as not supported yet rather than unknown, with or without a runtime', (provider, title) => {
    const deploy = { ...s3Deploy(), actionTypeId: { category: 'Deploy', owner: 'AWS', provider, version: '1' }, configuration: {} };
    for (const runtime of [undefined, 'aws', 'local'] as const) {
      expect(problemsOf(pipeline(deploy), runtime)).toEqual([
        {
          path: 'stages[1].actions[0].actionTypeId.provider',
          rule: 'provider-not-yet',
          message: expect.stringMatching(new RegExp(`^Deploy provider AWS/${provider} \\(${title.replace('/', '\\/')}.*\\) is not supported by Sluice yet`)),
        },
      ]);
    }
  });
});

describe('artifactStores and cross-region actions', () => {
  const store = (location: string) => ({ type: 'S3', location });
  const bothRegions = { artifactStores: { 'us-east-1': store('east-artifacts'), 'eu-west-1': store('west-artifacts') } };
  const inIreland = (action: Action): Action => ({ ...action, region: 'eu-west-1' });
  /** An AWS action that reads the Site artifact. */
  const deployAction = (name: string, category: string, provider: string, configuration: Record<string, string>): Action => ({
    name,
    actionTypeId: { category, owner: 'AWS', provider, version: '1' },
    configuration,
    inputArtifacts: [{ name: 'Site' }],
  });
  const cloudFormation = deployAction('Stack', 'Deploy', 'CloudFormation', {
    ActionMode: 'CREATE_UPDATE',
    StackName: 'site',
    TemplatePath: 'Site::template.yml',
    RoleArn: 'arn:aws:iam::123456789012:role/cfn',
  });
  const build = deployAction('Build', 'Build', 'CodeBuild', { ProjectName: 'site' });
  const crossRegion = (path: string, rule: string, ...parts: string[]) => ({
    path,
    rule,
    message: expect.stringMatching(new RegExp(parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*'))),
  });

  it('accepts a store for the home region and one for each action region, on both runtimes', () => {
    expect(problemsOf(pipeline(inIreland(s3Deploy()), bothRegions), 'aws', 'us-east-1')).toEqual([]);
    expect(problemsOf(pipeline(inIreland(cloudFormation), bothRegions), 'local', 'us-east-1')).toEqual([]);
  });

  it('accepts an action whose region is the home region without artifactStores', () => {
    expect(problemsOf(pipeline({ ...s3Deploy(), region: 'us-east-1' }), 'aws', 'us-east-1')).toEqual([]);
  });

  it('refuses artifactStores without a store for the home region, naming the regions it has', () => {
    const stores = { artifactStores: { 'eu-west-1': store('west-artifacts') } };
    expect(problemsOf(pipeline(inIreland(s3Deploy()), stores), 'aws', 'us-east-1')).toEqual([
      crossRegion(
        'artifactStores',
        'artifact-store-region',
        'no store for us-east-1',
        "Sluice stack's region",
        'it has eu-west-1',
        'Add artifactStores.us-east-1',
      ),
    ]);
    expect(problemsOf(pipeline(undefined, stores), 'local', 'us-east-1')).toEqual([
      crossRegion('artifactStores', 'artifact-store-region', 'no store for us-east-1', 'AWS_REGION'),
    ]);
  });

  it('refuses an action whose region has no store in artifactStores, even where the home region is not known', () => {
    const stores = { artifactStores: { 'us-east-1': store('east-artifacts') } };
    for (const problems of [problemsOf(pipeline(inIreland(s3Deploy()), stores), 'aws', 'us-east-1'), problemsOf(pipeline(inIreland(s3Deploy()), stores))]) {
      expect(problems).toEqual([
        crossRegion('stages[1].actions[0].region', 'artifact-store-region', '"Publish" runs in eu-west-1', 'add artifactStores.eu-west-1'),
      ]);
    }
  });

  it.each([
    ['artifactStore', { artifactStore: store('east-artifacts') }],
    ['no artifact store', {}],
  ])('refuses a cross-region action with %s: it needs artifactStores', (_title, stores) => {
    expect(problemsOf(pipeline(inIreland(s3Deploy()), stores), 'aws', 'us-east-1')).toEqual([
      crossRegion('stages[1].actions[0].region', 'artifact-store-region', 'not in us-east-1', 'needs artifactStores', 'one for eu-west-1'),
    ]);
  });

  it('refuses another region on a provider that calls no AWS service on the runtime once, for that reason alone', () => {
    expect(problemsOf(pipeline(inIreland(s3Deploy())), 'local', 'us-east-1')).toEqual([
      crossRegion('stages[1].actions[0].region', 'action-role-region', 'S3 calls no AWS service on the local runtime'),
    ]);
  });

  it('refuses a cross-region source action, as CodePipeline does', () => {
    const declaration = pipeline(undefined, bothRegions);
    declaration.stages[0]!.actions[0] = inIreland(s3Source);
    expect(problemsOf(declaration, 'aws', 'us-east-1')).toEqual([
      crossRegion('stages[0].actions[0].region', 'cross-region-action', '"Source" is a source action', 'Remove region, or make it us-east-1'),
    ]);
  });

  it.each([
    ['CodeBuild', build, 'codebuild:startBuild.sync'],
    ['Lambda', deployAction('Invoke', 'Invoke', 'Lambda', { FunctionName: 'smoke-test' }), 'to the function in the home region'],
  ])('refuses a cross-region %s action on the AWS runtime, saying why', (provider, action, why) => {
    expect(problemsOf(pipeline(inIreland(action), bothRegions), 'aws', 'us-east-1')).toEqual([
      crossRegion('stages[1].actions[0].region', 'cross-region-action', `${provider} actions cannot run in another region`, why, 'Remove region'),
    ]);
  });

  it("refuses the home store's KMS key on the AWS runtime beside a CodeBuild action, whose build would not use it", () => {
    const keyed = {
      artifactStores: { ...bothRegions.artifactStores, 'us-east-1': { ...store('east-artifacts'), encryptionKey: { id: 'alias/east', type: 'KMS' } } },
    };
    expect(problemsOf(pipeline(build, keyed), 'aws', 'us-east-1')).toEqual([
      crossRegion('artifactStores.us-east-1.encryptionKey', 'artifact-store-runtime', 'CodeBuild actions (Build)', 'key "alias/east"', 'Use artifactStore'),
    ]);
    expect(problemsOf(pipeline(s3Deploy(), keyed), 'aws', 'us-east-1')).toEqual([]);
  });

  it('refuses the KMS key of any artifactStores entry on the local runtime, at its path', () => {
    const stores = {
      artifactStores: { ...bothRegions.artifactStores, 'eu-west-1': { ...store('west-artifacts'), encryptionKey: { id: 'alias/west', type: 'KMS' } } },
    };
    expect(problemsOf(pipeline(inIreland(cloudFormation), stores), 'local', 'us-east-1')).toEqual([
      crossRegion(
        'artifactStores.eu-west-1.encryptionKey',
        'artifact-store-runtime',
        'key "alias/west" would not encrypt the artifacts',
        'Remove encryptionKey',
      ),
    ]);
    expect(problemsOf(pipeline(inIreland(cloudFormation), stores), 'aws', 'us-east-1')).toEqual([]);
  });
});
