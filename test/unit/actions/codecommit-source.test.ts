import { providerCatalog } from '../../../lib/actions/registry';
import { validatePipeline } from '../../../lib/core/validate';
import { readDeclaration } from '../../support/fixtures';

/** CodeCommit -> CodeBuild -> CloudFormation, from the CodePipeline User Guide's examples. */
const FIXTURE = 'test/fixtures/valid/codecommit-codebuild-cloudformation.yml';

function withOutputFormat(format: string): unknown {
  const declaration = structuredClone(readDeclaration(FIXTURE)) as { stages: { actions: { configuration: Record<string, string> }[] }[] };
  declaration.stages[0]!.actions[0]!.configuration.OutputArtifactFormat = format;
  return declaration;
}

describe('validating a CodeCommit source', () => {
  it('refuses CODEBUILD_CLONE_REF, which Sluice does not support, and says what to use', () => {
    const validation = validatePipeline(withOutputFormat('CODEBUILD_CLONE_REF'), providerCatalog);

    expect(validation.problems).toEqual([{
      path: 'stages[0].actions[0].configuration.OutputArtifactFormat',
      rule: 'configuration-value',
      message: expect.stringMatching(/does not support OutputArtifactFormat CODEBUILD_CLONE_REF.*Use CODE_ZIP, or leave OutputArtifactFormat out/),
    }]);
  });

  it('accepts CODE_ZIP', () => {
    expect(validatePipeline(withOutputFormat('CODE_ZIP'), providerCatalog).problems).toEqual([]);
  });
});
