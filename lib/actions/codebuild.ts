import { BadInputError } from '../core/errors';
import { codeBuildBatchOf } from '../core/integrations/codebuild';
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
  {
    name: 'BatchEnabled',
    required: false,
    description: "true to run the buildspec's batch (build-list, build-matrix, build-graph, build-fanout) as a batch build.",
  },
  { name: 'CombineArtifacts', required: false, description: "With BatchEnabled, true to combine every build's artifacts into the one output artifact." },
];

/** Batch builds run in CodeBuild itself: the local CodeBuild runs one build in a child process. */
const BATCH_RUNS_ON_AWS = 'batch builds run on the AWS runtime only; the local CodeBuild runs one build per action.';

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
    ...batchProblems(configuration, where),
  ];
}

/**
 * BatchEnabled decides how the action is compiled, so it and CombineArtifacts are literal booleans.
 * CodePipeline documents one output artifact for combined artifacts, and no variables for a batch.
 */
function batchProblems(configuration: Readonly<Record<string, string>>, where: ConfigurationContext): ConfigurationProblem[] {
  const { CombineArtifacts: combineArtifacts } = configuration;
  const problems = (['BatchEnabled', 'CombineArtifacts'] as const).flatMap((key) => {
    const value = configuration[key];
    return value === undefined || ['true', 'false'].includes(value.toLowerCase())
      ? []
      : [{ key, message: `${key} must be true or false, not "${value}"; it decides how the action is compiled, so it cannot hold a variable.` }];
  });
  if (problems.length > 0) return problems;
  const batch = codeBuildBatchOf(configuration);
  if (combineArtifacts?.toLowerCase() === 'true' && !batch) {
    return [
      {
        key: 'CombineArtifacts',
        message: `CombineArtifacts combines the artifacts of a batch build: set BatchEnabled to true as well, or remove CombineArtifacts.`,
      },
    ];
  }
  const outputs = where.action?.outputArtifacts?.length ?? 0;
  if (batch?.combineArtifacts && outputs > 1) {
    return [
      {
        key: 'CombineArtifacts',
        message: `CombineArtifacts puts every build's artifacts into one output artifact, and this action declares ${outputs}: keep one, or remove CombineArtifacts to map each build identifier to its own.`,
      },
    ];
  }
  if (batch && where.action?.namespace !== undefined) {
    return [
      {
        key: 'BatchEnabled',
        message: `CodePipeline documents no output variables for a batch build, so namespace "${where.action.namespace}" would have none: remove the namespace, or run one build.`,
      },
    ];
  }
  return [];
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
    keysNotHonoured: {
      local: {
        BatchEnabled: `${BATCH_RUNS_ON_AWS} Run the pipeline on AWS, or declare each build of the batch as its own action.`,
        CombineArtifacts: `it combines a batch build's artifacts, and ${BATCH_RUNS_ON_AWS}`,
      },
    },
  };
}

export const codeBuild: ActionProvider = { spec: codeBuildSpec('Build') };
export const codeBuildTest: ActionProvider = { spec: codeBuildSpec('Test') };
