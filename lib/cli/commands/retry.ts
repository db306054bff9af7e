import type { Command } from 'commander';
import { apiCommand } from '../api-command';
import type { ExitWith } from '../exit-codes';
import { targetOptions, type TargetOptions } from '../target-options';

type RetryOptions = TargetOptions & { executionId: string; retryMode: string };

/** retry-stage-execution, named and shaped as the aws CLI's. */
export function registerRetryCommand(program: Command, exitWith: ExitWith): void {
  targetOptions(
    program
      .command('retry-stage-execution')
      .description(
        'Run a failed stage again in its execution, as RetryStageExecution does: with the artifacts and variables of the stages before it; the execution goes on from there',
      )
      .argument('<pipeline>')
      .argument('<stage>')
      .requiredOption('--execution-id <id>', 'the failed execution; sluice status shows the latest in the stage')
      .requiredOption('--retry-mode <mode>', 'FAILED_ACTIONS: only the actions that did not succeed run again; ALL_ACTIONS: every action of the stage'),
  ).action(
    exitWith((pipeline: string, stage: string, options: RetryOptions) =>
      apiCommand('retry-stage-execution', options, async (api) => {
        const { pipelineExecutionId } = await api.retryStageExecution({
          pipelineName: pipeline,
          stageName: stage,
          pipelineExecutionId: options.executionId,
          retryMode: options.retryMode,
        });
        console.log(`Retrying ${pipeline}/${stage} (${options.retryMode}) in execution ${pipelineExecutionId}`);
      }),
    ),
  );
}
