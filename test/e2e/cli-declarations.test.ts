import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sluice } from '../support/cli';
import { gitCheckoutAction } from '../support/declarations';
import { ROOT, readDeclaration } from '../support/fixtures';

const CODECOMMIT = 'test/fixtures/valid/codecommit-codebuild-cloudformation.yml';

type ClimbingPipeline = { name: string; stages: { actions: { configuration: Record<string, string> }[] }[] };

function brokenFile(): string {
  const declaration = readDeclaration(CODECOMMIT) as { stages: { name: string; actions: { inputArtifacts?: { name: string }[] }[] }[] };
  declaration.stages[1]!.actions[0]!.inputArtifacts = [{ name: 'Nowhere' }];
  declaration.stages[2]!.name = 'Source';
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-cli-')), 'broken.json');
  writeFileSync(file, JSON.stringify(declaration));
  return file;
}

describe('the sluice executable', () => {
  it('runs as npm links it, an executable file that names its interpreter, and prints its version', () => {
    // A copy, made executable as npm makes a package's bin, so that the build output keeps its mode;
    // the bin loads the program bundle from beside it.
    const directory = mkdtempSync(path.join(tmpdir(), 'sluice-bin-'));
    const bin = path.join(directory, 'sluice');
    copyFileSync(path.join(ROOT, 'dist', 'sluice.cjs'), bin);
    copyFileSync(path.join(ROOT, 'dist', 'sluice-program.cjs'), path.join(directory, 'sluice-program.cjs'));
    chmodSync(bin, 0o755);
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim()).toBe(version);
  });
});

describe('sluice validate', () => {
  it('accepts a valid declaration with exit code 0', () => {
    const result = sluice(['validate', CODECOMMIT]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('pipeline MyPipeline is valid (3 stages, 3 actions)');
  });

  it('prints every problem with its path and exits 2', () => {
    const result = sluice(['validate', brokenFile()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('2 problems');
    expect(result.stderr).toContain('stages[1].actions[0].inputArtifacts[0].name: No action produces an artifact named "Nowhere"');
    expect(result.stderr).toContain('stages[2].name: Stage name "Source" is already used by stages[0]');
  });

  it('gives the problems as JSON with --json', () => {
    const result = sluice(['validate', brokenFile(), '--json']);
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout);
    expect(report.valid).toBe(false);
    expect(report.problems.map((problem: { rule: string }) => problem.rule).sort()).toEqual(['input-artifact-unknown', 'stage-name-unique']);
  });

  it('refuses a provider the chosen runtime lacks', () => {
    const declaration = readDeclaration(CODECOMMIT) as { stages: { actions: Record<string, unknown>[] }[] };
    declaration.stages[2]!.actions[0] = {
      name: 'Release',
      actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'CodeDeploy', version: '1' },
      configuration: { ApplicationName: 'webapp', DeploymentGroupName: 'production' },
      inputArtifacts: [{ name: 'my-project-BuildArtifact' }],
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-cli-')), 'codedeploy.json');
    writeFileSync(file, JSON.stringify(declaration));
    const result = sluice(['validate', file, '--runtime', 'local']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Deploy provider AWS/CodeDeploy is not available on the local runtime');
  });

  it('refuses, on the local runtime, an action that calls AWS when the credential chain finds no credentials', () => {
    const nowhere = mkdtempSync(path.join(tmpdir(), 'sluice-no-aws-'));
    const result = sluice(['validate', CODECOMMIT, '--runtime', 'local'], {
      env: {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_CONFIG_FILE: path.join(nowhere, 'config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(nowhere, 'credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '',
        AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
        AWS_WEB_IDENTITY_TOKEN_FILE: '',
      },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Action "ExecuteChangeSet" (CloudFormation) calls AWS cloudformation, and no AWS credentials were found');
  });

  it('accepts a CloudFormation deploy on the local runtime where AWS credentials are found', () => {
    const result = sluice(['validate', CODECOMMIT, '--runtime', 'local'], {
      env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('refuses, each at its path, what the chosen runtime would not honour', () => {
    const declaration = {
      name: 'site',
      artifactStore: { type: 'S3', location: 'amzn-s3-demo-bucket', encryptionKey: { id: 'alias/artifacts', type: 'KMS' } },
      stages: [
        { name: 'Source', actions: [{ ...gitCheckoutAction('.'), region: 'eu-west-1' }] },
        {
          name: 'Deploy',
          actions: [
            {
              name: 'Publish',
              actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
              configuration: { BucketName: 'site', Extract: 'true', CannedACL: 'public-read' },
              inputArtifacts: [{ name: 'Src' }],
            },
            {
              name: 'Beanstalk',
              actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'ElasticBeanstalk', version: '1' },
              inputArtifacts: [{ name: 'Src' }],
            },
          ],
        },
      ],
    };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-cli-')), 'site.json');
    writeFileSync(file, JSON.stringify(declaration));

    const result = sluice(['validate', file, '--runtime', 'local']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('4 problems');
    expect(result.stderr).toContain('artifactStore.encryptionKey: The embedded S3 on this machine keeps no encryption, so key "alias/artifacts"');
    expect(result.stderr).toContain('stages[0].actions[0].region: Git calls no AWS service on the local runtime');
    expect(result.stderr).toContain('stages[1].actions[0].configuration.CannedACL: S3 on the local runtime does not honour CannedACL');
    expect(result.stderr).toContain(
      'stages[1].actions[1].actionTypeId.provider: Deploy provider AWS/ElasticBeanstalk (Elastic Beanstalk) is not supported by Sluice yet',
    );
  });

  it('exits 2 on a missing file, a syntax error, an unknown option and an unknown command', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-cli-'));
    writeFileSync(path.join(dir, 'bad.yml'), 'name: [unclosed\n');
    const missing = sluice(['validate', path.join(dir, 'missing.yml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    const syntax = sluice(['validate', path.join(dir, 'bad.yml')]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toContain('[syntax]');
    expect(sluice(['validate', CODECOMMIT, '--nope']).code).toBe(2);
    expect(sluice(['frobnicate']).code).toBe(2);
  });

  it.each([
    [
      'an alias bomb',
      [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        ...'bcdefgh'.split('').map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(', ')}]`),
      ].join('\n'),
      /aliases expand to more than 100 nodes/,
    ],
    ['a nesting bomb', '['.repeat(20_000), /nests deeper than 64 levels/],
    ['an oversized file', `name: ${'x'.repeat(300 * 1024)}\n`, /bytes, larger than 262144/],
  ])('exits 2 with a clear problem on %s', (_, text, message) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-cli-')), 'bomb.yml');
    writeFileSync(file, text);
    const result = sluice(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it.each([
    [
      'an S3 source key',
      (pipeline: ClimbingPipeline) => {
        pipeline.stages[0]!.actions[0]!.configuration.S3ObjectKey = '../../../outside.zip';
      },
      'configuration.S3ObjectKey: S3ObjectKey: the object key "../../../outside.zip" has a "." or ".." part',
    ],
    [
      'a pipeline name',
      (pipeline: ClimbingPipeline) => {
        pipeline.name = '..';
      },
      'name: The pipeline name cannot be "." or ".."',
    ],
  ])('exits 2 on %s that climbs out of its place', (_, change, message) => {
    const declaration = readDeclaration('test/fixtures/valid/create-pipeline-s3-codedeploy.json') as { pipeline: ClimbingPipeline };
    change(declaration.pipeline);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sluice-cli-')), 'climbing.json');
    writeFileSync(file, JSON.stringify(declaration));
    const result = sluice(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('has --help on every command, exiting 0', () => {
    for (const command of [[], ['validate'], ['compile'], ['providers']]) {
      const result = sluice([...command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('Usage: sluice');
    }
  });
});

describe('sluice compile', () => {
  it('writes the same definition that statemachines/ ships', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'sluice-out-'));
    const result = sluice(['compile', 'pipelines/webapp.yml', '--out', out]);
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(out, 'webapp.asl.json'), 'utf8')).toBe(readFileSync(path.join(ROOT, 'statemachines/webapp.asl.json'), 'utf8'));
  });

  it('prints the definition and its Task map with --json', () => {
    const result = sluice(['compile', CODECOMMIT, '--json']);
    expect(result.code).toBe(0);
    const [compiled] = JSON.parse(result.stdout);
    expect(compiled.pipeline).toBe('MyPipeline');
    // A run enters at its first stage, unless it retries a later one.
    expect(compiled.definition.States[compiled.definition.StartAt].Default).toBe('Source (enter)');
    expect(compiled.tasks['Build / PackageExport']).toEqual({ step: 'startBuild', stage: 'Build', action: 'PackageExport' });
  });

  it('compiles nothing when any input is invalid', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'sluice-out-'));
    const result = sluice(['compile', CODECOMMIT, brokenFile(), '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Nothing was compiled.');
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('sluice providers', () => {
  it('lists the registry with configuration keys and runtimes', () => {
    const result = sluice(['providers', '--json']);
    expect(result.code).toBe(0);
    const specs = JSON.parse(result.stdout) as {
      category: string;
      owner: string;
      provider: string;
      runtimes: string[];
      configuration: { name: string; required: boolean }[];
    }[];
    const keys = specs.map((spec) => `${spec.category}/${spec.owner}/${spec.provider}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'Source/AWS/S3',
        'Source/AWS/CodeCommit',
        'Source/AWS/CodeStarSourceConnection',
        'Source/Custom/Git',
        'Build/AWS/CodeBuild',
        'Test/AWS/CodeBuild',
        'Compute/AWS/Commands',
        'Deploy/AWS/S3',
        'Deploy/AWS/CloudFormation',
        'Deploy/AWS/ECS',
        'Approval/AWS/Manual',
        'Invoke/AWS/Lambda',
        'Invoke/AWS/StepFunctions',
      ]),
    );
    const git = specs.find((spec) => spec.provider === 'Git')!;
    expect(git.runtimes).toContain('local');
    expect(git.configuration.filter((key) => key.required).map((key) => key.name)).toEqual(['RepositoryUrl', 'BranchName']);
    expect(sluice(['providers']).stdout).toContain('Custom/Git');
  });
});
