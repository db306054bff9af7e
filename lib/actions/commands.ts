import { stringify } from 'yaml';
import type { ActionDeclaration } from '../core/declaration';
import type { ActionProvider } from './action-provider';
import type { ProviderSpec } from '../core/providers';

/** CodePipeline's default timeout for a Commands action. */
export const COMMANDS_DEFAULT_TIMEOUT_MINUTES = 60;

/**
 * The buildspec that a Commands action runs as, as CodePipeline runs it on CodeBuild: its commands
 * are the build phase, its output variables are exported, and its output artifact holds its `files`
 * (everything when it names none). Inline YAML, as StartBuild's BuildspecOverride takes it.
 */
export function commandsBuildspec(action: Pick<ActionDeclaration, 'commands' | 'outputVariables' | 'outputArtifacts'>): string {
  const output = action.outputArtifacts?.[0];
  return stringify({
    version: 0.2,
    ...(action.outputVariables ? { env: { 'exported-variables': action.outputVariables } } : {}),
    phases: { build: { commands: action.commands ?? [] } },
    ...(output ? { artifacts: { files: output.files ?? ['**/*'] } } : {}),
  });
}

export const commandsSpec: ProviderSpec = {
  category: 'Compute',
  owner: 'AWS',
  provider: 'Commands',
  version: '1',
  description: "Runs the action's `commands` as a CodeBuild build, in a workspace made from the input artifacts.",
  configuration: [],
  inputArtifacts: { min: 1, max: 10 },
  outputArtifacts: { min: 0, max: 1 },
  outputVariables: 'declared',
  runtimes: ['aws', 'local'],
  // The commands run in the action runner.
  cost: { pricedAs: 'build' },
  runsWithoutAwsOn: ['aws', 'local'],
  // On AWS the stack's Commands project runs the build; locally, the local CodeBuild.
  integration: 'codebuild',
  defaultTimeoutMinutes: COMMANDS_DEFAULT_TIMEOUT_MINUTES,
};

/** CodePipeline's Commands action: shell commands, with files and variables declared on the action, on CodeBuild compute. */
export const commands: ActionProvider = {
  spec: commandsSpec,
};
