import { providerCatalog } from '../../../lib/actions/registry';
import { validatePipeline } from '../../../lib/core/validate';
import { readDeclaration } from '../../support/fixtures';

/** CodeStarSourceConnection (OutputArtifactFormat CODE_ZIP) -> two parallel CodeBuild actions. */
const FIXTURE = 'test/fixtures/valid/v2-triggers-variables-parallel.json';

function withOutputFormat(format: string): unknown {
  const declaration = structuredClone(readDeclaration(FIXTURE)) as { pipeline: { stages: { actions: { configuration: Record<string, string> }[] }[] } };
  declaration.pipeline.stages[0]!.actions[0]!.configuration.OutputArtifactFormat = format;
  return declaration;
}

describe('validating a CodeStarSourceConnection source', () => {
  it('refuses CODEBUILD_CLONE_REF, which Sluice does not support, and says what to use', () => {
    const validation = validatePipeline(withOutputFormat('CODEBUILD_CLONE_REF'), providerCatalog);

    expect(validation.problems).toEqual([{
      path: 'stages[0].actions[0].configuration.OutputArtifactFormat',
      rule: 'configuration-value',
      message: expect.stringMatching(/does not support OutputArtifactFormat CODEBUILD_CLONE_REF.*Use CODE_ZIP, or leave OutputArtifactFormat out/),
    }]);
  });

  it('refuses a format that CodePipeline does not have', () => {
    const validation = validatePipeline(withOutputFormat('TARBALL'), providerCatalog);

    expect(validation.problems).toEqual([expect.objectContaining({ rule: 'configuration-value', message: 'OutputArtifactFormat must be CODE_ZIP, not "TARBALL".' })]);
  });

  it('accepts CODE_ZIP on the local runtime, and leaves a format that a variable holds to run time', () => {
    expect(validatePipeline(withOutputFormat('CODE_ZIP'), providerCatalog, { runtime: 'local' }).problems).toEqual([]);
    expect(validatePipeline(withOutputFormat('#{variables.MyVariable}'), providerCatalog).problems).toEqual([]);
  });
});
