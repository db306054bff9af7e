import { buildBatchRecordOf } from '../../../../lib/adapters/aws/codebuild-builds';

describe("what Sluice reads of CodeBuild's BuildBatch", () => {
  it("reads each build group's build id, status and artifacts, the batch's console link and its failed phase", () => {
    const id = 'site:3f1c6a2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b';
    const record = buildBatchRecordOf({
      id,
      arn: `arn:aws:codebuild:eu-west-1:123456789012:build-batch/${id}`,
      buildBatchStatus: 'FAILED',
      phases: [
        { phaseType: 'SUBMITTED', phaseStatus: 'SUCCEEDED' },
        { phaseType: 'IN_PROGRESS', phaseStatus: 'FAILED', contexts: [{ statusCode: 'BUILD_FAILED', message: 'A build of the batch failed' }] },
        { phaseType: 'FAILED' },
      ],
      buildGroups: [
        {
          identifier: 'linux',
          ignoreFailure: false,
          currentBuildSummary: {
            arn: 'arn:aws:codebuild:eu-west-1:123456789012:build/site:aaaa',
            buildStatus: 'SUCCEEDED',
            primaryArtifact: { type: 'S3', location: 'arn:aws:s3:::artifacts/site/batch-builds/x/aaaa/artifact.zip' },
            secondaryArtifacts: [
              { type: 'S3', location: 'artifacts/site/batch-builds/x/aaaa/docs.zip', identifier: 'docs' },
              { type: 'S3', identifier: 'empty' },
            ],
          },
        },
        {
          identifier: 'windows',
          ignoreFailure: true,
          currentBuildSummary: { arn: 'arn:aws:codebuild:eu-west-1:123456789012:build/site:bbbb', buildStatus: 'FAILED' },
        },
        { identifier: 'queued' },
        { currentBuildSummary: { buildStatus: 'SUCCEEDED' } },
      ],
    });
    expect(record).toEqual({
      id,
      status: 'FAILED',
      consoleLink: `https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/123456789012/projects/site/batch/${encodeURIComponent(id)}?region=eu-west-1`,
      failedPhase: { phase: 'IN_PROGRESS', status: 'FAILED', message: 'BUILD_FAILED: A build of the batch failed' },
      builds: [
        {
          identifier: 'linux',
          buildId: 'site:aaaa',
          status: 'SUCCEEDED',
          ignoreFailure: false,
          primaryArtifact: { bucketName: 'artifacts', objectKey: 'site/batch-builds/x/aaaa/artifact.zip' },
          secondaryArtifacts: [{ identifier: 'docs', location: { bucketName: 'artifacts', objectKey: 'site/batch-builds/x/aaaa/docs.zip' } }],
        },
        { identifier: 'windows', buildId: 'site:bbbb', status: 'FAILED', ignoreFailure: true, secondaryArtifacts: [] },
        { identifier: 'queued', status: 'IN_PROGRESS', ignoreFailure: false, secondaryArtifacts: [] },
      ],
    });
  });
});
