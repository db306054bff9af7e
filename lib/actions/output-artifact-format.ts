import { BadInputError } from '../core/errors';
import type { ConfigurationKey, ConfigurationProblem } from '../core/providers';

/** The OutputArtifactFormat key of the git source providers, CodeCommit and CodeStarSourceConnection. */
export const OUTPUT_ARTIFACT_FORMAT: ConfigurationKey = {
  name: 'OutputArtifactFormat',
  required: false,
  description: 'CODE_ZIP, the default; Sluice does not support CODEBUILD_CLONE_REF.',
};

/** CODEBUILD_CLONE_REF hands CodeBuild a reference to clone the repository from itself, which Sluice's builds never do. */
export function outputArtifactFormatProblems({ OutputArtifactFormat: format }: Readonly<Record<string, string>>): ConfigurationProblem[] {
  if (format === undefined || format === 'CODE_ZIP' || format.includes('#{')) return [];
  const message =
    format === 'CODEBUILD_CLONE_REF'
      ? 'Sluice does not support OutputArtifactFormat CODEBUILD_CLONE_REF (a reference that CodeBuild clones the repository from itself): it hands the code on as a zip. Use CODE_ZIP, or leave OutputArtifactFormat out.'
      : `OutputArtifactFormat must be CODE_ZIP, not "${format}".`;
  return [{ key: 'OutputArtifactFormat', message }];
}

/** Refuses at run time a format that only a variable made unsupported, which validation could not see. */
export function refuseUnsupportedOutputFormat(configuration: Readonly<Record<string, string>>): void {
  const [problem] = outputArtifactFormatProblems(configuration);
  if (problem) throw new BadInputError(problem.message);
}
