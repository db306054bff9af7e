import type { Command } from 'commander';
import { apiCommand } from '../api-command';
import type { ExitWith } from '../exit-codes';
import { targetOptions, type TargetOptions } from '../target-options';

type TransitionOptions = TargetOptions & { type: string };

/** `--type`, which the operation checks: CodePipeline's transitionType. */
const typeOption = (command: Command): Command =>
  command.requiredOption('--type <type>', 'Inbound: the transition into the stage; Outbound: the one out of it, into the next stage');

/** disable-stage-transition and enable-stage-transition, named and shaped as the aws CLI's. */
export function registerTransitionCommands(program: Command, exitWith: ExitWith): void {
  targetOptions(
    typeOption(
      program
        .command('disable-stage-transition')
        .description('Hold executions in front of a stage, as DisableStageTransition does: they wait there until the transition is enabled')
        .argument('<pipeline>')
        .argument('<stage>'),
    ).requiredOption('--reason <text>', 'why; sluice status shows it (1 to 300 letters, digits, spaces and ! @ ( ) . * ? -)'),
  ).action(
    exitWith((pipeline: string, stage: string, options: TransitionOptions & { reason: string }) =>
      apiCommand('disable-stage-transition', options, async (api) => {
        await api.disableStageTransition({ pipelineName: pipeline, stageName: stage, transitionType: options.type, reason: options.reason });
        console.log(`Disabled the ${options.type} transition of ${pipeline}/${stage}: ${options.reason}`);
      }),
    ),
  );

  targetOptions(
    typeOption(
      program
        .command('enable-stage-transition')
        .description(
          'Let executions through a disabled transition again, as EnableStageTransition does: the newest waiting one enters (SUPERSEDED), or the oldest (QUEUED)',
        )
        .argument('<pipeline>')
        .argument('<stage>'),
    ),
  ).action(
    exitWith((pipeline: string, stage: string, options: TransitionOptions) =>
      apiCommand('enable-stage-transition', options, async (api) => {
        await api.enableStageTransition({ pipelineName: pipeline, stageName: stage, transitionType: options.type });
        console.log(`Enabled the ${options.type} transition of ${pipeline}/${stage}`);
      }),
    ),
  );
}
