import { rm } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { ActionFailedError } from '../core/errors';
import type { ActionDeclaration } from '../core/declaration';
import { storeOutputArtifact, type ActionContext, type ActionOutcome, type ActionProvider } from './action-provider';
import { parseBuildspec } from './codebuild/buildspec';
import { runLocalBuild } from './codebuild/local-build';
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

/**
 * Runs `context.action`'s commands on this machine, in the action's workspace, with the buildspec
 * of a Commands action: what the Commands rule of a stage condition does in the action runner.
 */
export async function runCommands(context: ActionContext): Promise<ActionOutcome> {
  const { action } = context;
  const [primary, ...secondary] = context.inputArtifacts;
  const sourceDirectory = path.join(context.workspace, 'src');
  await context.artifacts.fetchArtifact(primary!.location, sourceDirectory);
  const secondarySourceDirectories: Record<string, string> = {};
  for (const input of secondary) {
    secondarySourceDirectories[input.name] = path.join(context.workspace, `src_${input.name}`);
    await context.artifacts.fetchArtifact(input.location, secondarySourceDirectories[input.name]!);
  }
  const result = await runLocalBuild({
    buildspec: parseBuildspec(commandsBuildspec(action), `The commands of ${action.name}`),
    sourceDirectory,
    secondarySourceDirectories,
    baseEnvironment: context.commandEnvironment?.(),
    environment: Object.fromEntries((action.environmentVariables ?? []).map((variable) => [variable.name, variable.value])),
    timeoutSeconds: (action.timeoutInMinutes ?? COMMANDS_DEFAULT_TIMEOUT_MINUTES) * 60,
    onLog: (text) => context.log(text),
    signal: context.signal,
    temporaryRoot: context.workspace,
    processes: context.processes,
  });
  const staged = result.artifacts.primary;
  try {
    if (result.status !== 'SUCCEEDED') {
      const command = result.failedCommand ? `"${result.failedCommand}" ` : '';
      throw new ActionFailedError(`Command ${command}failed: ${result.message ?? result.status}`);
    }
    const outputArtifacts = action.outputArtifacts?.[0] && staged ? [await storeOutputArtifact(context, staged.directory)] : [];
    return { outputArtifacts, outputVariables: result.exportedVariables };
  } finally {
    if (staged) await rm(staged.directory, { recursive: true, force: true });
  }
}
