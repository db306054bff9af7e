import { parseDeclarationText } from '../../../../lib/core/declaration-text';
import { NO_VALUE, TemplateResolver, type ResolveOptions } from '../../../../lib/core/cloudformation/intrinsics';
import type { CloudFormationTemplate } from '../../../../lib/core/cloudformation/template';

const LOCAL: ResolveOptions = {
  parameters: {},
  pseudo: { region: 'eu-west-1', accountId: '111122223333', stackName: 'shop' },
  physicalNames: 'generate',
};

const TEMPLATE: CloudFormationTemplate = {
  Parameters: {
    Stage: { Type: 'String', Default: 'beta', AllowedValues: ['beta', 'prod'] },
    Owner: { Type: 'String' },
    Subnets: { Type: 'CommaDelimitedList', Default: 'a,b,c' },
    Version: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/version' },
  },
  Mappings: { Sizes: { beta: { Count: 1 }, prod: { Count: 3 } } },
  Conditions: {
    IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
    IsBeta: { 'Fn::Not': [{ Condition: 'IsProd' }] },
    Either: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsBeta' }] },
    Loop: { Condition: 'Loop' },
  },
  Resources: {
    Site: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { 'Fn::Sub': '${AWS::StackName}-site-${Stage}' } } },
    Artifacts: { Type: 'AWS::S3::Bucket' },
    Deployer: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'deployer', Path: '/ci/' } },
    Build: { Type: 'AWS::CodeBuild::Project', Properties: { Name: 'shop-build' } },
    Alerts: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'alerts' } },
    Repo: { Type: 'AWS::CodeCommit::Repository', Properties: { RepositoryName: 'shop' } },
    Key: { Type: 'AWS::KMS::Key' },
    ProdOnly: { Type: 'AWS::S3::Bucket', Condition: 'IsProd', Properties: { BucketName: 'prod-only' } },
  },
};

function resolve(value: unknown, options: Partial<ResolveOptions> = {}, template = TEMPLATE) {
  const resolver = new TemplateResolver(template, { ...LOCAL, ...options });
  return { value: resolver.resolve(value, 'Resources.P.Properties.X'), problems: resolver.problems, generated: resolver.generatedNames };
}

describe('CloudFormation short-form tags', () => {
  it('read as the long form that JSON templates write', () => {
    const parsed = parseDeclarationText(
      [
        'A: !Ref Stage',
        "B: !Sub '${AWS::Region}-x'",
        'C: !Sub [ "${X}", { X: !Ref Stage } ]',
        'D: !GetAtt Deployer.Arn',
        'E: !GetAtt [Deployer, Arn]',
        "F: !Join [',', [!Ref Stage, b]]",
        'G: !If [IsProd, a, !Ref AWS::NoValue]',
        'H: !Equals [a, b]',
        'I: !Condition IsProd',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        A: { Ref: 'Stage' },
        B: { 'Fn::Sub': '${AWS::Region}-x' },
        C: { 'Fn::Sub': ['${X}', { X: { Ref: 'Stage' } }] },
        D: { 'Fn::GetAtt': ['Deployer', 'Arn'] },
        E: { 'Fn::GetAtt': ['Deployer', 'Arn'] },
        F: { 'Fn::Join': [',', [{ Ref: 'Stage' }, 'b']] },
        G: { 'Fn::If': ['IsProd', 'a', { Ref: 'AWS::NoValue' }] },
        H: { 'Fn::Equals': ['a', 'b'] },
        I: { Condition: 'IsProd' },
      },
    });
  });
});

describe('TemplateResolver', () => {
  it('resolves parameters from what is given, then their defaults; lists split at commas', () => {
    expect(resolve({ Ref: 'Stage' }).value).toBe('beta');
    expect(resolve({ Ref: 'Stage' }, { parameters: { Stage: 'prod' } }).value).toBe('prod');
    expect(resolve({ Ref: 'Subnets' }).value).toEqual(['a', 'b', 'c']);
  });

  it('resolves pseudo-parameters from the runtime, and lets them be given', () => {
    expect(resolve({ 'Fn::Sub': '${AWS::Partition}:${AWS::Region}:${AWS::AccountId}:${AWS::StackName}:${AWS::URLSuffix}' }).value).toBe(
      'aws:eu-west-1:111122223333:shop:amazonaws.com',
    );
    expect(resolve({ Ref: 'AWS::Partition' }, { parameters: { 'AWS::Region': 'cn-north-1' } }).value).toBe('aws-cn');
    expect(resolve({ Ref: 'AWS::AccountId' }, { parameters: { 'AWS::AccountId': '999988887777' } }).value).toBe('999988887777');
  });

  it('leaves out what AWS::NoValue stands for, in objects and in lists', () => {
    expect(resolve({ a: { Ref: 'AWS::NoValue' }, b: 1, c: ['x', { 'Fn::If': ['IsProd', 'y', { Ref: 'AWS::NoValue' }] }] }).value).toEqual({ b: 1, c: ['x'] });
    expect(resolve({ Ref: 'AWS::NoValue' }).value).toBe(NO_VALUE);
  });

  it('substitutes variables, references and attributes, and keeps ${!Literal} literal', () => {
    expect(resolve({ 'Fn::Sub': ['${Name}/${Stage}/${Deployer.Arn}/${!Kept}', { Name: 'n' }] }).value).toBe(
      'n/beta/arn:aws:iam::111122223333:role/ci/deployer/${Kept}',
    );
  });

  it('joins, selects, splits, looks up mappings, encodes and chooses by condition', () => {
    expect(resolve({ 'Fn::Join': ['-', ['a', { Ref: 'Stage' }, 3]] }).value).toBe('a-beta-3');
    expect(resolve({ 'Fn::Select': ['1', { Ref: 'Subnets' }] }).value).toBe('b');
    expect(resolve({ 'Fn::Split': ['/', 'x/y'] }).value).toEqual(['x', 'y']);
    expect(resolve({ 'Fn::FindInMap': ['Sizes', { Ref: 'Stage' }, 'Count'] }, { parameters: { Stage: 'prod' } }).value).toBe(3);
    expect(resolve({ 'Fn::Base64': 'hi' }).value).toBe('aGk=');
    expect(resolve({ 'Fn::If': ['Either', 'yes', 'no'] }).value).toBe('yes');
    expect(resolve({ 'Fn::If': ['IsProd', 'yes', 'no'] }).value).toBe('no');
  });

  it("gives the template's resources their names and ARNs from their properties", () => {
    expect(resolve({ Ref: 'Site' }).value).toBe('shop-site-beta');
    expect(resolve({ 'Fn::GetAtt': ['Site', 'Arn'] }).value).toBe('arn:aws:s3:::shop-site-beta');
    expect(resolve({ 'Fn::GetAtt': ['Build', 'Arn'] }).value).toBe('arn:aws:codebuild:eu-west-1:111122223333:project/shop-build');
    expect(resolve({ Ref: 'Alerts' }).value).toBe('arn:aws:sns:eu-west-1:111122223333:alerts');
    expect(resolve({ 'Fn::GetAtt': ['Repo', 'Name'] }).value).toBe('shop');
  });

  it('names a resource the template does not name as CloudFormation would, the same on every run, and says so', () => {
    const first = resolve({ Ref: 'Artifacts' });
    expect(first.value).toMatch(/^shop-artifacts-[0-9a-f]{12}$/);
    expect(resolve({ Ref: 'Artifacts' }).value).toBe(first.value);
    expect([...first.generated]).toEqual([['Artifacts', first.value]]);
  });

  describe('refuses, with the place and what to do', () => {
    const refused: [string, unknown, Partial<ResolveOptions>, RegExp][] = [
      ['a parameter with no default and no value', { Ref: 'Owner' }, {}, /parameter Owner has no Default; pass --parameter Owner=<value>/],
      ['a value outside AllowedValues', { Ref: 'Stage' }, { parameters: { Stage: 'qa' } }, /"qa", which is not one of its AllowedValues: beta, prod/],
      [
        'an SSM parameter type',
        { Ref: 'Version' },
        {},
        /read from SSM parameter \/cdk-bootstrap\/version when the stack is deployed; pass --parameter Version=<value>/,
      ],
      ['an unknown region', { Ref: 'AWS::Region' }, { pseudo: { stackName: 's' } }, /AWS::Region is not known here; pass --parameter AWS::Region=<value>/],
      [
        'an ARN without the account',
        { 'Fn::GetAtt': ['Deployer', 'Arn'] },
        { pseudo: { region: 'eu-west-1', stackName: 's' } },
        /AWS::AccountId is not known here/,
      ],
      ['a Ref to nothing', { Ref: 'Nowhere' }, {}, /Ref Nowhere names no parameter, pseudo-parameter or resource/],
      [
        'a resource type whose values are unknown',
        { Ref: 'Key' },
        {},
        /cannot know what Ref gives for Key, a AWS::KMS::Key, before the stack exists; pass the value as a template parameter/,
      ],
      ['an attribute that is unknown', { 'Fn::GetAtt': ['Site', 'WebsiteURL'] }, {}, /Fn::GetAtt Site.WebsiteURL/],
      ['a CodeCommit repository id', { Ref: 'Repo' }, {}, /cannot know what Ref gives for Repo/],
      ['a resource whose condition is false', { Ref: 'ProdOnly' }, {}, /ProdOnly is not created, because its condition IsProd is false/],
      ['a resource with no name, where names must be real', { Ref: 'Artifacts' }, { physicalNames: 'declared' }, /Give Artifacts a BucketName/],
      ['Fn::ImportValue', { 'Fn::ImportValue': 'shared-vpc' }, {}, /export of another stack.*pass the value as a template parameter/],
      ['Fn::GetAZs', { 'Fn::GetAZs': '' }, {}, /Availability Zones/],
      ['Fn::Cidr', { 'Fn::Cidr': ['10.0.0.0/16', 2, 8] }, {}, /computed by CloudFormation/],
      ['Fn::Transform', { 'Fn::Transform': { Name: 'M' } }, {}, /macro/],
      ['a dynamic reference', '{{resolve:secretsmanager:token:SecretString}}', {}, /dynamic reference \(\{\{resolve:secretsmanager:/],
      ['an index past the list', { 'Fn::Select': [5, ['a']] }, {}, /Fn::Select index 5 is not within the 1 values/],
      ['a missing mapping', { 'Fn::FindInMap': ['Sizes', 'qa', 'Count'] }, {}, /Mappings has no Sizes.qa.Count/],
      ['a condition that depends on itself', { 'Fn::If': ['Loop', 'a', 'b'] }, {}, /condition Loop depends on itself/],
      ['an unknown condition', { 'Fn::If': ['Nope', 'a', 'b'] }, {}, /no condition Nope/],
      ['a function Sluice does not know', { 'Fn::Length': [1] }, {}, /Fn::Length cannot be used here/],
    ];
    it.each(refused)('%s', (_what, value, options, message) => {
      const { problems } = resolve(value, options);
      // A condition's own problem is placed at the condition.
      expect(problems).toEqual([{ path: expect.stringMatching(/^(Resources\.P\.Properties\.X|Conditions\.Loop)$/), message: expect.stringMatching(message) }]);
    });
  });

  it('reports every problem of a value at once', () => {
    expect(resolve({ a: { Ref: 'Owner' }, b: { 'Fn::ImportValue': 'x' } }).problems.map((problem) => problem.path)).toEqual([
      'Resources.P.Properties.X.a',
      'Resources.P.Properties.X.b',
    ]);
  });
});
