import { providerCatalog } from '../../../lib/actions/registry';
import { validatePipeline } from '../../../lib/core/validate';
import { readDeclaration } from '../../support/fixtures';

type Configured = { actions: { configuration: Record<string, string> }[] }[];

/** CodeCommit -> CodeBuild -> CloudFormation, from the CodePipeline User Guide's examples, with the source's OutputArtifactFormat set. */
function codeCommitPipeline(format: string): unknown {
  const declaration = structuredClone(readDeclaration('test/fixtures/valid/codecommit-codebuild-cloudformation.yml')) as { stages: Configured };
  declaration.stages[0]!.actions[0]!.configuration.OutputArtifactFormat = format;
  return declaration;
}

/** CodeStarSourceConnection -> two parallel CodeBuild actions, with the source's OutputArtifactFormat set. */
function codeStarPipeline(format: string): unknown {
  const declaration = structuredClone(readDeclaration('test/fixtures/valid/v2-triggers-variables-parallel.json')) as {
    pipeline: { artifactStore?: unknown; stages: (Configured[number] & { actions: { region?: string }[] })[] };
  };
  declaration.pipeline.stages[0]!.actions[0]!.configuration.OutputArtifactFormat = format;
  // What the local runtime refuses besides: an artifact store, and a region on a build that runs on this machine.
  delete declaration.pipeline.artifactStore;
  delete declaration.pipeline.stages[1]!.actions[0]!.region;
  return declaration;
}

describe.each([
  { source: 'a CodeCommit source', withOutputFormat: codeCommitPipeline },
  { source: 'a CodeStarSourceConnection source', withOutputFormat: codeStarPipeline },
])('validating the OutputArtifactFormat of $source', ({ withOutputFormat }) => {
  it('refuses CODEBUILD_CLONE_REF, which Sluice does not support, and says what to use', () => {
    const validation = validatePipeline(withOutputFormat('CODEBUILD_CLONE_REF'), providerCatalog);

    expect(validation.problems).toEqual([
      {
        path: 'stages[0].actions[0].configuration.OutputArtifactFormat',
        rule: 'configuration-value',
        message: expect.stringMatching(/does not support OutputArtifactFormat CODEBUILD_CLONE_REF.*Use CODE_ZIP, or leave OutputArtifactFormat out/),
      },
    ]);
  });

  it('accepts CODE_ZIP', () => {
    expect(validatePipeline(withOutputFormat('CODE_ZIP'), providerCatalog).problems).toEqual([]);
  });
});

describe('validating the OutputArtifactFormat of a CodeStarSourceConnection source', () => {
  it('refuses a format that CodePipeline does not have', () => {
    const validation = validatePipeline(codeStarPipeline('TARBALL'), providerCatalog);

    expect(validation.problems).toEqual([
      expect.objectContaining({ rule: 'configuration-value', message: 'OutputArtifactFormat must be CODE_ZIP, not "TARBALL".' }),
    ]);
  });

  it('accepts CODE_ZIP on the local runtime, and leaves a format that a variable holds to run time', () => {
    expect(validatePipeline(codeStarPipeline('CODE_ZIP'), providerCatalog, { runtime: 'local' }).problems).toEqual([]);
    expect(validatePipeline(codeStarPipeline('#{variables.MyVariable}'), providerCatalog).problems).toEqual([]);
  });
});
