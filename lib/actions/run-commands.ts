import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ActionFailedError } from '../core/errors';
import { storeOutputArtifact, type ActionContext, type ActionOutcome } from './action-provider';
import { parseBuildspec } from './codebuild/buildspec';
import { runLocalBuild } from './codebuild/local-build';
import { COMMANDS_DEFAULT_TIMEOUT_MINUTES, commandsBuildspec } from './commands';

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
