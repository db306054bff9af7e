import { pipelineFromTemplate, type TemplatePipelineOptions } from '../../../../lib/core/cloudformation/pipeline-resource';
import type { CloudFormationTemplate, TemplateResource } from '../../../../lib/core/cloudformation/template';

const OPTIONS: TemplatePipelineOptions = {
  parameters: {},
  pseudo: { region: 'us-east-1', accountId: '000000000000', stackName: 'app' },
  physicalNames: 'generate',
};

const source = {
  Name: 'Fetch',
  ActionTypeId: { Category: 'Source', Owner: 'AWS', Provider: 'S3', Version: '1' },
  Configuration: { S3Bucket: 'sources', S3ObjectKey: 'app.zip', PollForSourceChanges: false },
  OutputArtifacts: [{ Name: 'Src' }],
};

const build = (configuration: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Name: 'Compile',
  ActionTypeId: { Category: 'Build', Owner: 'AWS', Provider: 'CodeBuild', Version: '1' },
  Configuration: configuration,
  InputArtifacts: [{ Name: 'Src' }],
  RunOrder: 1,
  ...extra,
});

function template(properties: Record<string, unknown>, resources: Record<string, TemplateResource> = {}): CloudFormationTemplate {
  return {
    Resources: {
      Pipeline: { Type: 'AWS::CodePipeline::Pipeline', Properties: { ArtifactStore: { Type: 'S3', Location: 'artifacts' }, ...properties } },
      ...resources,
    },
  };
}

function read(value: CloudFormationTemplate, options: Partial<TemplatePipelineOptions> = {}) {
  const result = pipelineFromTemplate(value, { ...OPTIONS, ...options });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result;
}

describe('pipelineFromTemplate', () => {
  it("turns the resource's properties into the API's declaration, with configuration values as strings", () => {
    const { declaration, tags, restartExecutionOnUpdate } = read(
      template({
        Name: 'shop',
        PipelineType: 'V2',
        ExecutionMode: 'QUEUED',
        Variables: [{ Name: 'Target', DefaultValue: 'beta', Description: 'where to' }],
        Triggers: [
          {
            ProviderType: 'CodeStarSourceConnection',
            GitConfiguration: { SourceActionName: 'Fetch', Push: [{ Branches: { Includes: ['main'] }, FilePaths: { Excludes: ['docs/**'] } }] },
          },
        ],
        ArtifactStores: [
          { Region: 'us-east-1', ArtifactStore: { Type: 'S3', Location: 'home' } },
          { Region: 'eu-west-1', ArtifactStore: { Type: 'S3', Location: 'away', EncryptionKey: { Id: 'alias/a', Type: 'KMS' } } },
        ],
        Stages: [{ Name: 'Source', Actions: [source] }],
        Tags: [{ Key: 'team', Value: 'web' }],
        RestartExecutionOnUpdate: true,
      }),
    );
    expect(declaration).toEqual({
      name: 'shop',
      pipelineType: 'V2',
      executionMode: 'QUEUED',
      artifactStore: { type: 'S3', location: 'artifacts' },
      variables: [{ name: 'Target', defaultValue: 'beta', description: 'where to' }],
      triggers: [
        {
          providerType: 'CodeStarSourceConnection',
          gitConfiguration: { sourceActionName: 'Fetch', push: [{ branches: { includes: ['main'] }, filePaths: { excludes: ['docs/**'] } }] },
        },
      ],
      artifactStores: {
        'us-east-1': { type: 'S3', location: 'home' },
        'eu-west-1': { type: 'S3', location: 'away', encryptionKey: { id: 'alias/a', type: 'KMS' } },
      },
      stages: [
        {
          name: 'Source',
          actions: [
            {
              name: 'Fetch',
              actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
              configuration: { S3Bucket: 'sources', S3ObjectKey: 'app.zip', PollForSourceChanges: 'false' },
              outputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
      ],
    });
    expect(tags).toEqual([{ key: 'team', value: 'web' }]);
    expect(restartExecutionOnUpdate).toBe(true);
  });

  it('names a pipeline that the template does not name as CloudFormation would', () => {
    expect(read(template({ Stages: [] })).declaration.name).toMatch(/^app-Pipeline-[0-9A-F]{12}$/);
  });

  it('maps each place of the declaration back to the template, fields it lacks in PascalCase', () => {
    const { templatePath } = read(template({ Name: 'shop', Stages: [{ Name: 'Source', Actions: [source] }] }));
    expect(templatePath('stages[0].actions[0].configuration.S3Bucket')).toBe('Resources.Pipeline.Properties.Stages[0].Actions[0].Configuration.S3Bucket');
    expect(templatePath('stages[0].actions[0].runOrder')).toBe('Resources.Pipeline.Properties.Stages[0].Actions[0].RunOrder');
    expect(templatePath('stages[0].actions[0].actionTypeId.category')).toBe('Resources.Pipeline.Properties.Stages[0].Actions[0].ActionTypeId.Category');
    expect(templatePath('name')).toBe('Resources.Pipeline.Properties.Name');
    expect(templatePath('')).toBe('Resources.Pipeline.Properties');
  });

  describe('picks the pipeline', () => {
    const two: CloudFormationTemplate = {
      Resources: {
        Web: { Type: 'AWS::CodePipeline::Pipeline', Properties: { Name: 'web', Stages: [] } },
        Api: { Type: 'AWS::CodePipeline::Pipeline', Properties: { Name: 'api', Stages: [] } },
        Bucket: { Type: 'AWS::S3::Bucket' },
      },
    };
    it('named by --resource', () => {
      expect(read(two, { resource: 'Api' }).declaration.name).toBe('api');
    });
    it.each([
      ['several and none named', {}, /declares 2 pipelines: Web, Api. Pick one with --resource <LogicalId>/],
      ['a resource of another type', { resource: 'Bucket' }, /--resource Bucket is a AWS::S3::Bucket; the template's pipelines are: Web, Api/],
      ['a resource that is not there', { resource: 'Nope' }, /--resource Nope is no resource of the template/],
    ])('and refuses %s', (_what, options, message) => {
      expect(pipelineFromTemplate(two, { ...OPTIONS, ...options })).toEqual({
        ok: false,
        problems: [{ path: 'Resources', message: expect.stringMatching(message) }],
      });
    });
    it('and refuses a template without one', () => {
      expect(pipelineFromTemplate({ Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } }, OPTIONS)).toEqual({
        ok: false,
        problems: [{ path: 'Resources', message: 'The template declares no AWS::CodePipeline::Pipeline.' }],
      });
    });
  });

  it('refuses DisableInboundStageTransitions, saying what to do instead', () => {
    const result = pipelineFromTemplate(template({ Stages: [], DisableInboundStageTransitions: [{ StageName: 'Deploy', Reason: 'freeze' }] }), OPTIONS);
    expect(result).toEqual({
      ok: false,
      problems: [{ path: 'Resources.Pipeline.Properties.DisableInboundStageTransitions', message: expect.stringContaining('sluice transitions disable') }],
    });
  });

  it('leaves out, and notes, the action roles the template creates, where asked to', () => {
    const role = { Type: 'AWS::IAM::Role', Properties: {} };
    const properties = {
      Name: 'shop',
      Stages: [{ Name: 'Source', Actions: [{ ...source, RoleArn: { 'Fn::GetAtt': ['SourceRole', 'Arn'] } }] }],
    };
    const kept = read(template(properties, { SourceRole: role }));
    expect((kept.declaration.stages as { actions: { roleArn?: string }[] }[])[0]!.actions[0]!.roleArn).toMatch(
      /^arn:aws:iam::000000000000:role\/app-SourceRole-/,
    );

    const local = read(template(properties, { SourceRole: role }), {
      leaveOutTemplateRole: (type) => (type.Provider === 'S3' ? 'it is not deployed' : undefined),
    });
    expect((local.declaration.stages as { actions: { roleArn?: string }[] }[])[0]!.actions[0]).not.toHaveProperty('roleArn');
    expect(local.notes).toContain(
      'Resources.Pipeline.Properties.Stages[0].Actions[0].RoleArn: the template creates the role SourceRole; it is not deployed, so it is left out.',
    );
  });

  describe("folds the template's CodeBuild projects into the actions that build with them", () => {
    const project = (properties: Record<string, unknown>): TemplateResource => ({ Type: 'AWS::CodeBuild::Project', Properties: properties });
    const stagesWith = (action: object) => ({
      Name: 'shop',
      Stages: [
        { Name: 'Source', Actions: [source] },
        { Name: 'Build', Actions: [action] },
      ],
    });
    const builtAction = (result: ReturnType<typeof read>) => (result.declaration.stages as { actions: Record<string, unknown>[] }[])[1]!.actions[0]!;

    it("a project's buildspec, variables and timeout; a one-line JSON buildspec becomes YAML", () => {
      const result = read(
        template(stagesWith(build({ ProjectName: { Ref: 'Project' } })), {
          Project: project({
            Source: { Type: 'CODEPIPELINE', BuildSpec: '{"version":"0.2","phases":{"build":{"commands":["make"]}}}' },
            Environment: {
              EnvironmentVariables: [
                { Name: 'MODE', Value: 'release' },
                { Name: 'TOKEN', Value: '/ci/token', Type: 'PARAMETER_STORE' },
              ],
            },
            TimeoutInMinutes: 20,
          }),
        }),
      );
      const action = builtAction(result);
      expect(action.configuration).toEqual({
        ProjectName: expect.stringMatching(/^app-Project-/),
        BuildSpec: 'version: "0.2"\nphases:\n  build:\n    commands:\n      - make\n',
        EnvironmentVariables: JSON.stringify([
          { name: 'MODE', value: 'release', type: 'PLAINTEXT' },
          { name: 'TOKEN', value: '/ci/token', type: 'PARAMETER_STORE' },
        ]),
      });
      expect(action.timeoutInMinutes).toBe(20);
      expect(result.notes).toContain('Action Compile builds with Project of the template: its buildspec, environment variables and timeout apply.');
    });

    it("under the action's own BuildSpec, variables by name, and timeout", () => {
      const action = builtAction(
        read(
          template(
            stagesWith(
              build(
                { ProjectName: 'named-build', BuildSpec: 'ci/buildspec.yml', EnvironmentVariables: '[{"name":"MODE","value":"debug","type":"PLAINTEXT"}]' },
                { TimeoutInMinutes: 7 },
              ),
            ),
            {
              Project: project({
                Name: 'named-build',
                Source: { Type: 'CODEPIPELINE', BuildSpec: 'version: 0.2\nphases: {}\n' },
                Environment: {
                  EnvironmentVariables: [
                    { Name: 'MODE', Value: 'release' },
                    { Name: 'KEEP', Value: 'k' },
                  ],
                },
                TimeoutInMinutes: 20,
              }),
            },
          ),
        ),
      );
      expect(action.configuration).toEqual({
        ProjectName: 'named-build',
        BuildSpec: 'ci/buildspec.yml',
        EnvironmentVariables: JSON.stringify([
          { name: 'KEEP', value: 'k', type: 'PLAINTEXT' },
          { name: 'MODE', value: 'debug', type: 'PLAINTEXT' },
        ]),
      });
      expect(action.timeoutInMinutes).toBe(7);
    });

    it('and leaves projects of other names alone, unresolved', () => {
      const result = read(
        template(stagesWith(build({ ProjectName: 'elsewhere' })), {
          Unused: project({ Source: { BuildSpec: { 'Fn::ImportValue': 'spec' } } }),
        }),
      );
      expect(builtAction(result).configuration).toEqual({ ProjectName: 'elsewhere' });
    });
  });

  it('reports unresolvable places with their template paths, all at once', () => {
    const result = pipelineFromTemplate(
      template({
        Name: { 'Fn::ImportValue': 'name' },
        Stages: [{ Name: 'Source', Actions: [{ ...source, Configuration: { S3Bucket: { Ref: 'Missing' }, S3ObjectKey: 'k' } }] }],
      }),
      OPTIONS,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((problem) => problem.path)).toEqual([
      'Resources.Pipeline.Properties.Name',
      'Resources.Pipeline.Properties.Stages[0].Actions[0].Configuration.S3Bucket',
    ]);
  });
});
