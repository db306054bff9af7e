import { BadInputError } from '../core/errors';
import type { ConfigurationKey, ConfigurationProblem, ProviderSpec } from '../core/providers';
import { parseBuildspec } from './codebuild/buildspec';
import { parseEnvironmentVariables } from './codebuild/environment-variables';
import type { ActionProvider } from './action-provider';

const configuration: ConfigurationKey[] = [
  { name: 'ProjectName', required: true, description: 'The CodeBuild project.' },
  { name: 'PrimarySource', required: false, description: 'The input artifact that holds the buildspec, when there are several.' },
  { name: 'BatchEnabled', required: false, description: 'true to run a batch build.' },
  { name: 'CombineArtifacts', required: false, description: 'true to combine the artifacts of a batch build.' },
  { name: 'EnvironmentVariables', required: false, description: 'A JSON list of {name, value, type} that overrides the project.' },
  { name: 'BuildSpec', required: false, description: 'A buildspec path in the primary source, or inline YAML, in place of buildspec.yml.' },
];

const holdsVariables = (value: string) => value.includes('#{');

function problemOf(key: string, check: () => unknown): ConfigurationProblem[] {
  try {
    check();
    return [];
  } catch (error) {
    if (error instanceof BadInputError) return [{ key, message: error.message }];
    throw error;
  }
}

/** An inline buildspec and the EnvironmentVariables list are refused before anything runs. */
function checkConfiguration(configuration: Readonly<Record<string, string>>): ConfigurationProblem[] {
  const { BuildSpec: buildspec, EnvironmentVariables: variables } = configuration;
  return [
    ...(buildspec?.includes('\n') && !holdsVariables(buildspec) ? problemOf('BuildSpec', () => parseBuildspec(buildspec, 'The inline BuildSpec')) : []),
    ...(variables !== undefined && !holdsVariables(variables) ? problemOf('EnvironmentVariables', () => parseEnvironmentVariables(variables)) : []),
  ];
}

function codeBuildSpec(category: 'Build' | 'Test'): ProviderSpec {
  return {
    category,
    owner: 'AWS',
    provider: 'CodeBuild',
    version: '1',
    description: `Runs a CodeBuild buildspec as a ${category.toLowerCase()} action.`,
    configuration,
    inputArtifacts: { min: 1, max: 5 },
    outputArtifacts: { min: 0, max: 5 },
    outputVariables: 'open',
    runtimes: ['aws', 'local'],
    // Locally the buildspec runs on this machine.
    runsWithoutAwsOn: ['local'],
    integration: 'codebuild',
    checkConfiguration,
  };
}

export const codeBuild: ActionProvider = { spec: codeBuildSpec('Build') };
export const codeBuildTest: ActionProvider = { spec: codeBuildSpec('Test') };
