import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sluice, writeDeclaration } from '../support/cli';
import { gitRepository } from '../support/git-repository';
import { buildStage, gitSourceStage } from '../support/declarations';

// A whole pipeline runs through the CLI, a local CodeBuild build included.
jest.setTimeout(90_000);

const BUILDSPEC = [
  'version: 0.2',
  'env:',
  '  exported-variables: [VERSION]',
  'phases:',
  '  build:',
  '    commands:',
  '      - export VERSION=$(cat version.txt)',
  '      - echo "built $VERSION" > built.txt',
  `      - echo '<testsuite><testcase name="a"/><testcase name="b"><failure message="b broke"/></testcase></testsuite>' > junit.xml`,
  'artifacts:',
  '  files: [built.txt]',
  'reports:',
  '  unit:',
  '    files: [junit.xml]',
  '',
].join('\n');

interface Detail {
  pipelineExecutionId: string;
  actionExecutionId: string;
  pipelineVersion: number;
  stageName: string;
  actionName: string;
  status: string;
  input: Record<string, unknown>;
  output: { outputArtifacts: unknown[]; outputVariables: Record<string, string>; executionResult?: Record<string, unknown> };
}

interface Page {
  actionExecutionDetails: Detail[];
  nextToken?: string;
}

describe('sluice list-action-executions', () => {
  const repo = gitRepository({ 'version.txt': '4.2', 'buildspec.yml': BUILDSPEC }, 'feat: version 4.2');
  const data = mkdtempSync(path.join(tmpdir(), 'sluice-data-'));
  const list = (...args: string[]) => sluice(['list-action-executions', 'listed', '--data-dir', data, ...args]);
  const page = (...args: string[]) => {
    const result = list(...args, '--json');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as Page;
  };
  let executionId: string;

  beforeAll(() => {
    const file = writeDeclaration(mkdtempSync(path.join(tmpdir(), 'sluice-pipeline-')), {
      name: 'listed',
      pipelineType: 'V2',
      variables: [{ name: 'Flavor', defaultValue: 'fast' }],
      stages: [
        gitSourceStage(repo.dir, { namespace: 'SourceVariables' }),
        buildStage('Compile', { ProjectName: 'build-#{variables.Flavor}' }, { outputArtifacts: [{ name: 'Built' }], namespace: 'BuildVariables' }),
      ],
    });
    const run = sluice(['run', file, '--data-dir', data, '--json']);
    expect(run.code).toBe(0);
    executionId = JSON.parse(run.stdout).execution.pipelineExecutionId;
  });

  it('shows each action execution with its configuration, resolved, its artifacts, variables and external execution', () => {
    const { actionExecutionDetails: details, nextToken } = page();

    expect(nextToken).toBeUndefined();
    expect(details.map((detail) => `${detail.stageName}/${detail.actionName}`)).toEqual(['Build/Compile', 'Source/Checkout']);
    const [compile, checkout] = details;
    const artifactIn = (name: string) => ({
      name,
      s3location: { bucket: expect.any(String), key: expect.stringMatching(new RegExp(`^listed/${name}/.+\\.zip$`)) },
    });
    expect(compile).toMatchObject({
      pipelineExecutionId: executionId,
      pipelineVersion: 1,
      status: 'Succeeded',
      input: {
        actionTypeId: { category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' },
        configuration: { ProjectName: 'build-#{variables.Flavor}' },
        resolvedConfiguration: { ProjectName: 'build-fast' },
        region: 'local',
        inputArtifacts: [artifactIn('Src')],
        namespace: 'BuildVariables',
      },
      output: {
        outputArtifacts: [artifactIn('Built')],
        outputVariables: { VERSION: '4.2' },
        executionResult: {
          externalExecutionId: expect.stringMatching(/^build-fast:[0-9a-f-]{36}$/),
          externalExecutionSummary: 'FAILED unit: b: b broke\nReport unit: 2 total, 1 passed, 1 failed, 0 skipped',
        },
      },
    });
    expect(checkout).toMatchObject({
      status: 'Succeeded',
      input: { configuration: { RepositoryUrl: repo.dir, BranchName: 'main' }, inputArtifacts: [], namespace: 'SourceVariables' },
      output: {
        outputArtifacts: [artifactIn('Src')],
        outputVariables: expect.objectContaining({ CommitId: repo.commit }),
        executionResult: { externalExecutionId: repo.commit, externalExecutionSummary: 'feat: version 4.2' },
      },
    });
    expect(new Set(details.map((detail) => detail.actionExecutionId)).size).toBe(2);
  });

  it("shows the build's report in sluice logs, its failed cases first", () => {
    const logs = sluice(['logs', executionId, '--action', 'Build/Compile', '--data-dir', data]);
    expect(logs.code).toBe(0);
    const failed = logs.stdout.indexOf('FAILED b: b broke');
    expect(failed).toBeGreaterThan(-1);
    expect(logs.stdout.indexOf('Report unit: 2 total, 1 passed, 1 failed, 0 skipped')).toBeGreaterThan(failed);
  });

  it('pages with maxResults and nextToken, and filters on an execution', () => {
    const first = page('--max-results', '1');
    expect(first.actionExecutionDetails.map((detail) => detail.actionName)).toEqual(['Compile']);
    expect(first.nextToken).toEqual(expect.any(String));

    const second = page('--max-results', '1', '--next-token', first.nextToken!);
    expect(second.actionExecutionDetails.map((detail) => detail.actionName)).toEqual(['Checkout']);
    expect(second.nextToken).toBeUndefined();

    expect(page('--execution-id', executionId, '--latest').actionExecutionDetails).toHaveLength(2);
  });

  it('refuses an unknown pipeline or execution, a foreign token and maxResults out of range, exiting 2', () => {
    const unknownPipeline = sluice(['list-action-executions', 'nowhere', '--data-dir', data]);
    expect(unknownPipeline).toMatchObject({ code: 2, stderr: expect.stringContaining('There is no pipeline nowhere') });
    expect(list('--execution-id', 'no-such-execution')).toMatchObject({ code: 2, stderr: expect.stringContaining('has no execution no-such-execution') });
    expect(list('--next-token', 'not-a-token')).toMatchObject({ code: 2, stderr: expect.stringContaining('not one that ListActionExecutions gave') });
    const tokenOfAll = page('--max-results', '1').nextToken!;
    expect(list('--execution-id', executionId, '--next-token', tokenOfAll)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('belongs to another ListActionExecutions request'),
    });
    expect(list('--max-results', '0')).toMatchObject({ code: 2, stderr: expect.stringContaining('maxResults must be a whole number from 1 to 100') });
  });
});
