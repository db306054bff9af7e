import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { zipDirectory } from '../../lib/artifacts/zip';
import { killStartedSluice, printedCredentials, sluice, startSluice } from '../support/cli';
import { ROOT } from '../support/fixtures';
import { gitRepository } from '../support/git-repository';

// Whole pipelines run through the CLI, builds included.
jest.setTimeout(120_000);
afterEach(killStartedSluice);

const GREETING_TEMPLATE = path.join(ROOT, 'test/fixtures/templates/greeting-pipeline.yml');
const CDK_TEMPLATE = path.join(ROOT, 'examples/cdk-pipeline/pipeline.template.json');

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'sluice-template-'));

interface RunReport {
  execution: { status: string };
  actions: { stageName: string; actionName: string; status: string; output?: { outputVariables?: Record<string, string> } }[];
}

/** A template file in a new directory, named `name`. */
function templateFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-template-file-')), name);
  writeFileSync(file, text);
  return file;
}

/**
 * A template of one pipeline, `Pipeline`, with the `properties` given and an S3 source stage, then
 * `after`: lines of the Stages list, indented as in it, so that they may go on with the source action.
 */
function pipelineTemplate(name: string, properties: string[], after: string[]): string {
  const source = [
    '- Name: Source',
    '  Actions:',
    '    - Name: Fetch',
    '      ActionTypeId: { Category: Source, Owner: AWS, Provider: S3, Version: "1" }',
    '      Configuration: { S3Bucket: sources, S3ObjectKey: app.zip }',
    '      OutputArtifacts: [{ Name: Src }]',
  ];
  const lines = [
    'Resources:',
    '  Pipeline:',
    '    Type: AWS::CodePipeline::Pipeline',
    '    Properties:',
    ...[...properties, 'ArtifactStore: { Type: S3, Location: artifacts }', 'Stages:'].map((line) => `      ${line}`),
    ...[...source, ...after].map((line) => `        ${line}`),
  ];
  return templateFile(name, lines.join('\n'));
}

describe('a hand-written YAML template', () => {
  const repository = () => gitRepository({ 'README.md': 'hello' }).dir;

  it('runs with sluice run: parameters, !Sub and the CodeBuild project of the same file', () => {
    const run = sluice(['run', GREETING_TEMPLATE, '--parameter', `RepositoryUrl=${repository()}`, '--data-dir', dataDir(), '--json'], {
      env: { AWS_REGION: 'eu-west-1' },
    });

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(report.execution.status).toBe('Succeeded');
    expect(report.actions.map((action) => `${action.stageName}/${action.actionName}`).sort()).toEqual(['Build/Greet', 'Source/Checkout']);
    // The project's variable, its !Sub resolved with the default Stage and the local region, exported by the project's buildspec.
    expect(report.actions.find((action) => action.actionName === 'Greet')!.output!.outputVariables).toEqual({ GREETING: 'hello from beta in eu-west-1' });
    expect(run.stderr).toContain('the template creates the role BuildRole; here it does not exist, as the stack is not deployed, so it is left out.');
    expect(run.stderr).toMatch(
      /Resources\.ArtifactBucket is given no name, so Sluice names it as CloudFormation would: greeting-pipeline-artifactbucket-[0-9a-f]{12}\./,
    );
  });

  it('takes the stage its condition adds when a parameter is given', () => {
    const run = sluice([
      'run',
      GREETING_TEMPLATE,
      '--parameter',
      `RepositoryUrl=${repository()}`,
      '--parameter',
      'Stage=prod',
      '--auto-approve',
      '--data-dir',
      dataDir(),
      '--json',
    ]);

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as RunReport;
    expect(report.actions.find((action) => action.actionName === 'Review')).toMatchObject({ stageName: 'Approve', status: 'Succeeded' });
  });

  it('is refused, naming the template path and what to pass, when a parameter has no value', () => {
    const validated = sluice(['validate', GREETING_TEMPLATE, '--runtime', 'local']);

    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain(
      'Resources.Pipeline.Properties.Stages[0].Actions[0].Configuration.RepositoryUrl: parameter RepositoryUrl has no Default; pass --parameter RepositoryUrl=<value>. [template]',
    );
  });

  it("names both the template's path and the declaration's for a problem of the pipeline itself", () => {
    const file = pipelineTemplate('bad.yml', ['Name: bad'], ['      RunOrder: 0']);

    const validated = sluice(['validate', file, '--json']);

    expect(validated.code).toBe(2);
    expect(JSON.parse(validated.stdout).problems).toContainEqual({
      path: 'stages[0].actions[0].runOrder',
      templatePath: 'Resources.Pipeline.Properties.Stages[0].Actions[0].RunOrder',
      rule: 'schema',
      message: expect.stringContaining('runOrder must be from 1 to 999'),
    });
  });

  it('refuses --parameter for a file that is a pipeline declaration', () => {
    const file = templateFile('plain.json', JSON.stringify({ name: 'plain', stages: [] }));
    const validated = sluice(['validate', file, '--parameter', 'Stage=prod']);

    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain('--resource and --parameter read CloudFormation templates');
  });

  it('is not registered on AWS with a name that only CloudFormation would know, before anything is called', () => {
    const created = sluice(['create-pipeline', GREETING_TEMPLATE, '--target', 'aws', '--parameter', 'RepositoryUrl=https://example.com/repo.git'], {
      env: { AWS_REGION: 'us-east-1' },
    });

    expect(created.code).toBe(2);
    expect(created.stderr).toContain('Give ArtifactBucket a BucketName, or register the pipeline as the deployed stack holds it');
  });
});

describe("the CDK example's template offline", () => {
  it('compiles for AWS and is costed, with the account given', () => {
    const account = ['--parameter', 'AWS::AccountId=123456789012', '--parameter', 'AWS::Region=eu-west-1'];
    const compiled = sluice(['compile', CDK_TEMPLATE, '--runtime', 'aws', '--json', ...account]);
    expect(compiled.code).toBe(0);
    const [entry] = JSON.parse(compiled.stdout) as { pipeline: string; declaration: { roleArn: string; stages: { actions: { roleArn?: string }[] }[] } }[];
    expect(entry!.pipeline).toBe('cdk-site');
    // The pipeline's role and the S3 deploy's stay; the approval's is left out, as Sluice assumes none for it on AWS.
    expect(entry!.declaration.roleArn).toMatch(/^arn:aws:iam::123456789012:role\/pipeline-template-PipelineRoleD68726F7-/);
    expect(entry!.declaration.stages.map((stage) => stage.actions[0]!.roleArn !== undefined)).toEqual([true, true, false, true]);

    const cost = sluice(['cost', CDK_TEMPLATE, '--json', ...account]);
    expect(cost.code).toBe(0);
    expect(JSON.parse(cost.stdout)).toMatchObject({ pipeline: 'cdk-site', executions: 1000 });
  });

  it('needs the account for AWS, and says how to give it', () => {
    const cost = sluice(['cost', CDK_TEMPLATE], { env: { AWS_REGION: 'eu-west-1' } });
    expect(cost.code).toBe(2);
    expect(cost.stderr).toContain('AWS::AccountId is not known here; pass --parameter AWS::AccountId=<value>.');
  });
});

describe('create-pipeline and update-pipeline from a template, under sluice serve', () => {
  it("register the template's Tags, and start an execution on update where RestartExecutionOnUpdate asks for one", async () => {
    const data = dataDir();
    const file = pipelineTemplate(
      'tagged.yml',
      ['Name: tagged', 'RestartExecutionOnUpdate: true', 'Tags: [{ Key: team, Value: web }]'],
      ['- Name: Gate', '  Actions:', '    - Name: Review', '      ActionTypeId: { Category: Approval, Owner: AWS, Provider: Manual, Version: "1" }'],
    );
    const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', data]);
    try {
      await serve.waitFor(/ at (http\S+) \(Ctrl-C/);
      const created = sluice(['create-pipeline', file, '--data-dir', data, '--json']);
      expect(created.code).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ tags: [{ key: 'team', value: 'web' }], firstExecution: { pipelineExecutionId: expect.any(String) } });

      const updated = sluice(['update-pipeline', file, '--data-dir', data]);
      expect(updated.code).toBe(0);
      const restarted = /^Started execution (\S+) \(RestartExecutionOnUpdate\)$/m.exec(updated.stdout);
      expect(restarted).not.toBeNull();
      const listed = sluice(['executions', 'tagged', '--data-dir', data, '--json']);
      const ids = (JSON.parse(listed.stdout).pipelineExecutionSummaries as { pipelineExecutionId: string }[]).map((execution) => execution.pipelineExecutionId);
      expect(ids).toHaveLength(2);
      expect(ids).toContain(restarted![1]);
    } finally {
      await serve.interrupt();
    }
  });
});

describe("a CDK app's synthesized template", () => {
  it('runs end to end under sluice serve: S3 source, the inline buildspec of its project, the approval, the S3 deploy', async () => {
    const data = dataDir();
    const serve = startSluice(['serve', '--port', '0', '--quiet', '--data-dir', data]);
    const endpoint = (await serve.waitFor(/Embedded S3 uploads: (http\S+)/))[1]!;
    const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: printedCredentials(data) });
    try {
      const site = mkdtempSync(path.join(tmpdir(), 'sluice-site-'));
      writeFileSync(path.join(site, 'VERSION'), '1.2.3');
      for (const bucket of ['cdk-site-source', 'cdk-site']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutObjectCommand({ Bucket: 'cdk-site-source', Key: 'site.zip', Body: await buffer(zipDirectory(site)) }));

      const run = sluice(['run', CDK_TEMPLATE, '--auto-approve', '--data-dir', data, '--json']);

      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as RunReport;
      expect(report.execution.status).toBe('Succeeded');
      expect(report.actions.map((action) => `${action.stageName}/${action.actionName}:${action.status}`).sort()).toEqual([
        'Approve/Review:Succeeded',
        'Build/Build:Succeeded',
        'Deploy/Publish:Succeeded',
        'Source/Fetch:Succeeded',
      ]);
      expect(report.actions.find((action) => action.actionName === 'Build')!.output!.outputVariables).toEqual({ SITE_VERSION: '1.2.3' });
      const published = await s3.send(new GetObjectCommand({ Bucket: 'cdk-site', Key: 'index.html' }));
      expect(await published.Body!.transformToString()).toBe('<h1>Built by CDK 1.2.3</h1>\n');
    } finally {
      s3.destroy();
      await serve.interrupt();
    }
  });
});
