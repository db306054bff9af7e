import type { ConfigurationKey, ProviderSpec } from '../core/providers';
import type { ActionProvider } from './action-provider';

const configuration: ConfigurationKey[] = [
  { name: 'ProjectName', required: true, description: 'The CodeBuild project.' },
  { name: 'PrimarySource', required: false, description: 'The input artifact that holds the buildspec, when there are several.' },
  { name: 'BatchEnabled', required: false, description: 'true to run a batch build.' },
  { name: 'CombineArtifacts', required: false, description: 'true to combine the artifacts of a batch build.' },
  { name: 'EnvironmentVariables', required: false, description: 'A JSON list of {name, value, type} that overrides the project.' },
  { name: 'BuildSpec', required: false, description: 'A buildspec path in the primary source, or inline YAML, in place of buildspec.yml.' },
];

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
  };
}

export const codeBuild: ActionProvider = { spec: codeBuildSpec('Build') };
export const codeBuildTest: ActionProvider = { spec: codeBuildSpec('Test') };
