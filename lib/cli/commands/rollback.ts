import type { Command } from 'commander';
import { apiCommand } from '../api-command';
import type { ExitWith } from '../exit-codes';
import { targetOptions, type TargetOptions } from '../target-options';

type RollbackOptions = TargetOptions & { targetExecutionId?: string };

/** rollback-stage, named and shaped as the aws CLI's, whose target it defaults. */
export function registerRollbackCommand(program: Command, exitWith: ExitWith): void {
  targetOptions(
    program
      .command('rollback-stage')
      .description(
        'Roll a stage back, as RollbackStage does: a new execution (type ROLLBACK) runs the stage alone again with the artifacts and variables of an execution that succeeded in it',
      )
      .argument('<pipeline>')
      .argument('<stage>')
      .option('--target-execution-id <id>', 'the execution to roll back to; by default the last one that succeeded in the stage'),
  ).action(
    exitWith((pipeline: string, stage: string, options: RollbackOptions) =>
      apiCommand('rollback-stage', options, async (api) => {
        const target = options.targetExecutionId;
        const { pipelineExecutionId } = await api.rollbackStage({
          pipelineName: pipeline,
          stageName: stage,
          ...(target ? { targetPipelineExecutionId: target } : {}),
        });
        console.log(`Rolling back ${pipeline}/${stage}${target ? ` to execution ${target}` : ''} in execution ${pipelineExecutionId}`);
      }),
    ),
  );
}
