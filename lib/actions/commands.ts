import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ActionFailedError } from '../core/errors';
import { storeOutputArtifact, type ActionOutcome, type ActionProvider } from './action-provider';
import { BuildspecSchema } from './codebuild/buildspec';
import { runLocalBuild } from './codebuild/local-build';

/** CodePipeline's default timeout for a Commands action. */
const DEFAULT_TIMEOUT_MINUTES = 60;

/** CodePipeline's Commands action: shell commands, with files and variables declared on the action. */
export const commands: ActionProvider = {
  spec: {
    category: 'Compute',
    owner: 'AWS',
    provider: 'Commands',
    version: '1',
    description: "Runs the action's `commands` in a shell, in a workspace made from the input artifacts.",
    configuration: [],
    inputArtifacts: { min: 1, max: 10 },
    outputArtifacts: { min: 0, max: 1 },
    outputVariables: 'declared',
    runtimes: ['aws', 'local'],
    // The commands run in the action runner.
    cost: { pricedAs: 'runner', runnerMs: 10_000 },
    runsWithoutAwsOn: ['aws', 'local'],
  },

  /** Runs the commands as the build phase of a buildspec, as CodePipeline does in CodeBuild. */
  async run(context): Promise<ActionOutcome> {
    const { action } = context;
    const [primary, ...secondary] = context.inputArtifacts;
    const sourceDirectory = path.join(context.workspace, 'src');
    await context.artifacts.fetchArtifact(primary!.location, sourceDirectory);
    const secondarySourceDirectories: Record<string, string> = {};
    for (const input of secondary) {
      secondarySourceDirectories[input.name] = path.join(context.workspace, `src_${input.name}`);
      await context.artifacts.fetchArtifact(input.location, secondarySourceDirectories[input.name]!);
    }
    const output = action.outputArtifacts?.[0];
    const buildspec = BuildspecSchema.parse({
      version: 0.2,
      ...(action.outputVariables ? { env: { 'exported-variables': action.outputVariables } } : {}),
      phases: { build: { commands: action.commands } },
      ...(output ? { artifacts: { files: output.files ?? ['**/*'] } } : {}),
    });
    const result = await runLocalBuild({
      buildspec,
      sourceDirectory,
      secondarySourceDirectories,
      baseEnvironment: context.commandEnvironment?.(),
      environment: Object.fromEntries((action.environmentVariables ?? []).map((variable) => [variable.name, variable.value])),
      timeoutSeconds: (action.timeoutInMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60,
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
      const outputArtifacts = output && staged ? [await storeOutputArtifact(context, staged.directory)] : [];
      return { outputArtifacts, outputVariables: result.exportedVariables };
    } finally {
      if (staged) await rm(staged.directory, { recursive: true, force: true });
    }
  },
};
