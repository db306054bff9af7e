import { BadInputError } from '../core/errors';
import type { ConfigurationContext, ConfigurationKey, ConfigurationProblem, ProviderSpec } from '../core/providers';
import { parseBuildspec } from './codebuild/buildspec';
import { parseEnvironmentVariables } from './codebuild/environment-variables';
import { secretService, unreachableSecrets } from './codebuild/secret-variables';
import type { ActionProvider } from './action-provider';

const configuration: ConfigurationKey[] = [
  { name: 'ProjectName', required: true, description: 'The CodeBuild project.' },
  { name: 'PrimarySource', required: false, description: 'The input artifact that holds the buildspec, when there are several.' },
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

/**
 * An inline buildspec and the EnvironmentVariables list are refused before anything runs; so are
 * secret variables that a local build could not read, for want of an endpoint.
 */
function checkConfiguration(configuration: Readonly<Record<string, string>>, where: ConfigurationContext): ConfigurationProblem[] {
  const { BuildSpec: buildspec, EnvironmentVariables: variables } = configuration;
  return [
    ...(buildspec?.includes('\n') && !holdsVariables(buildspec) ? problemOf('BuildSpec', () => parseBuildspec(buildspec, 'The inline BuildSpec')) : []),
    ...(variables !== undefined && !holdsVariables(variables) ? problemOf('EnvironmentVariables', () => checkVariables(variables, where)) : []),
  ];
}

function checkVariables(text: string, where: ConfigurationContext): void {
  const variables = parseEnvironmentVariables(text);
  if (where.runtime !== 'local') return;
  const secrets = variables.flatMap(({ Name: name, Type: source }) => (source === 'PLAINTEXT' ? [] : [{ name, source }]));
  const unreachable = unreachableSecrets(secrets, (source) => where.endpoints?.includes(secretService(source)) === true);
  if (unreachable) throw new BadInputError(unreachable);
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
    cost: { pricedAs: 'build' },
    checkConfiguration,
    // A batch build needs codebuild:startBuildBatch and its own wait for the batch, which neither runtime has.
    unsupportedConfiguration: {
      BatchEnabled: 'Sluice runs one build per action, not a batch build; remove the key and run the batch as separate actions.',
      CombineArtifacts: 'it combines the artifacts of a batch build, which Sluice does not run; remove the key.',
    },
  };
}

export const codeBuild: ActionProvider = { spec: codeBuildSpec('Build') };
export const codeBuildTest: ActionProvider = { spec: codeBuildSpec('Test') };
