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
  'phases:',
  '  build:',
  '    commands:',
  '      - echo "building in its own store" > built.txt',
  'artifacts:',
  '  files: [built.txt]',
  '',
].join('\n');

const OWN_BUCKET = 'stored-artifacts';

interface Detail {
  stageName: string;
  actionName: string;
  output: { outputArtifacts: { name: string; s3location: { bucket: string; key: string } }[] };
}

describe('sluice run of a pipeline that declares its artifact store', () => {
  const repo = gitRepository({ 'buildspec.yml': BUILDSPEC }, 'feat: build');
  const data = mkdtempSync(path.join(tmpdir(), 'sluice-data-'));
  let executionId: string;

  beforeAll(() => {
    const file = writeDeclaration(mkdtempSync(path.join(tmpdir(), 'sluice-pipeline-')), {
      name: 'stored',
      artifactStore: { type: 'S3', location: OWN_BUCKET },
      stages: [gitSourceStage(repo.dir), buildStage('Compile', { ProjectName: 'stored-build' }, { outputArtifacts: [{ name: 'Built' }] })],
    });
    const run = sluice(['run', file, '--data-dir', data, '--json']);
    expect(run.code).toBe(0);
    executionId = JSON.parse(run.stdout).execution.pipelineExecutionId;
  });

  it('keeps every output artifact in the declared bucket, which the run made in the embedded S3', () => {
    const listed = sluice(['list-action-executions', 'stored', '--data-dir', data, '--json']);
    expect(listed.code).toBe(0);
    const details = (JSON.parse(listed.stdout) as { actionExecutionDetails: Detail[] }).actionExecutionDetails;
    const artifacts = details.flatMap((detail) => detail.output.outputArtifacts.map((artifact) => [artifact.name, artifact.s3location]));
    expect(Object.fromEntries(artifacts)).toEqual({
      Src: { bucket: OWN_BUCKET, key: expect.stringMatching(/^stored\/Src\/.+\.zip$/) },
      Built: { bucket: OWN_BUCKET, key: expect.stringMatching(/^stored\/Built\/.+\.zip$/) },
    });
  });

  it("reads the build's log from the declared bucket", () => {
    const logs = sluice(['logs', executionId, '--action', 'Build/Compile', '--data-dir', data]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain('echo "building in its own store"');
  });

  it('shows the artifact store in get-pipeline', () => {
    const got = sluice(['get-pipeline', 'stored', '--data-dir', data, '--json']);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout).pipeline.artifactStore).toEqual({ type: 'S3', location: OWN_BUCKET });
  });
});
