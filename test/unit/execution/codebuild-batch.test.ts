import { batchFailureMessage, batchOutputSources, combinedBuilds, failingBuild, secondaryArtifactCandidates } from '../../../lib/execution/codebuild-batch';
import type { BatchBuildRecord, BuildBatchRecord } from '../../../lib/ports/codebuild-builds';

const at = (key: string) => ({ bucketName: 'artifacts', objectKey: key });

const build = (identifier: string, extra: Partial<BatchBuildRecord> = {}): BatchBuildRecord => ({
  identifier,
  buildId: `p:${identifier}-0000`,
  status: 'SUCCEEDED',
  ignoreFailure: false,
  primaryArtifact: at(`${identifier}/artifact.zip`),
  secondaryArtifacts: [],
  ...extra,
});

const batchOf = (builds: BatchBuildRecord[], extra: Partial<BuildBatchRecord> = {}): BuildBatchRecord => ({
  id: 'p:batch-1',
  status: 'SUCCEEDED',
  builds,
  ...extra,
});

describe('the secondary artifacts a batch build is asked for', () => {
  it('takes what follows each "_" of an output name, once each, and only what CodeBuild accepts as an identifier', () => {
    expect(secondaryArtifactCandidates(['build1', 'build1_artifact1', 'linux_x64_docs', 'win_docs', 'odd_na-me'])).toEqual(['artifact1', 'x64_docs', 'docs']);
    expect(secondaryArtifactCandidates(['build1', 'build2'])).toEqual([]);
  });
});

describe("mapping a batch build's artifacts to the action's outputs", () => {
  it('gives an output named after a build its primary artifact, and <build>_<artifact> its secondary artifact, even when identifiers hold "_"', () => {
    const batch = batchOf([
      build('linux_x64', { secondaryArtifacts: [{ identifier: 'docs', location: at('linux/docs.zip') }] }),
      build('win', { secondaryArtifacts: [{ identifier: 'x64_docs', location: at('win/x64-docs.zip') }] }),
    ]);
    expect(batchOutputSources(batch, ['linux_x64_docs', 'win_x64_docs', 'linux_x64'])).toEqual({
      ok: true,
      sources: [
        { outputName: 'linux_x64_docs', location: at('linux/docs.zip') },
        { outputName: 'win_x64_docs', location: at('win/x64-docs.zip') },
        { outputName: 'linux_x64', location: at('linux_x64/artifact.zip') },
      ],
    });
  });

  it('passes on no artifact of a build that failed with ignore-failure, and names every output that no build wrote', () => {
    const batch = batchOf([build('linux'), build('flaky', { status: 'FAILED', ignoreFailure: true })]);
    const outputs = batchOutputSources(batch, ['flaky', 'linux', 'macos']);
    expect(outputs.ok).toBe(false);
    expect(!outputs.ok && outputs.message).toBe(
      "Batch build p:batch-1 wrote no artifact for output flaky, macos. An output artifact of a batch build is named after a build identifier (its primary artifact) or <build identifier>_<artifact identifier> (a secondary one); the batch's succeeded builds wrote: linux.",
    );
  });

  it('combines the primary artifacts of the succeeded builds that wrote one', () => {
    const batch = batchOf([build('linux'), build('docs-only', { primaryArtifact: undefined }), build('flaky', { status: 'FAILED', ignoreFailure: true })]);
    expect(combinedBuilds(batch).map((entry) => entry.identifier)).toEqual(['linux']);
  });
});

describe('why a batch build failed', () => {
  it('blames the build that failed rather than those that the failure stopped, and not one whose failure is ignored', () => {
    const batch = batchOf(
      [
        build('flaky', { status: 'FAILED', ignoreFailure: true }),
        build('stopped', { status: 'STOPPED' }),
        build('windows', { status: 'TIMED_OUT' }),
        build('linux'),
      ],
      { status: 'FAILED' },
    );
    const failing = failingBuild(batch);
    expect(failing?.identifier).toBe('windows');
    expect(batchFailureMessage(batch, failing, { id: 'p:windows-0000', status: 'TIMED_OUT', exportedVariables: {} })).toBe(
      'Batch build p:batch-1 failed: build windows (p:windows-0000) timed out. Builds: flaky FAILED, stopped STOPPED, windows TIMED_OUT, linux SUCCEEDED.',
    );
  });

  it("says the batch's own failed phase when no build failed, as when its batchspec cannot be read", () => {
    const batch = batchOf([], { status: 'FAILED', failedPhase: { phase: 'DOWNLOAD_BATCHSPEC', status: 'FAILED', message: 'CLIENT_ERROR: no batch section' } });
    expect(failingBuild(batch)).toBeUndefined();
    expect(batchFailureMessage(batch, undefined, undefined)).toBe('Batch build p:batch-1 failed in phase DOWNLOAD_BATCHSPEC: CLIENT_ERROR: no batch section.');
  });
});
