import type { Command } from 'commander';
import { actionExecutionsRequestOf } from '../../api/action-executions-query';
import { BadInputError } from '../../core/errors';
import type { ActionExecutionsRequest } from '../../operations/action-executions';
import { apiCommand, printJson } from '../api-command';
import type { ExitWith } from '../exit-codes';
import { targetOptions, type TargetOptions } from '../target-options';

interface ListOptions extends TargetOptions {
  executionId?: string;
  latest?: boolean;
  maxResults?: string;
  nextToken?: string;
  json?: boolean;
}

/** The options as the query of `/api`'s route, read by the same code. */
function requestOf(pipelineName: string, options: ListOptions): ActionExecutionsRequest {
  const { executionId, latest, maxResults, nextToken } = options;
  if (latest && !executionId) throw new BadInputError('--latest needs --execution-id: it keeps the latest run of each action of that execution.');
  return actionExecutionsRequestOf(pipelineName, { pipelineExecutionId: executionId, startTimeRange: latest ? 'Latest' : undefined, maxResults, nextToken });
}

/** list-action-executions: ListActionExecutions, a page at a time. */
export function registerActionExecutionCommands(program: Command, exitWith: ExitWith): void {
  targetOptions(
    program
      .command('list-action-executions')
      .description("List a pipeline's action executions, newest first, as ListActionExecutions does")
      .argument('<pipeline>')
      .option('--execution-id <id>', "only this execution's actions")
      .option('--latest', 'with --execution-id: only the latest run of each action')
      .option('--max-results <n>', 'at most this many (1 to 100; 100 by default)')
      .option('--next-token <token>', 'the page after the one that gave this token')
      .option('--json', "print ListActionExecutions' JSON"),
  ).action(
    exitWith((name: string, options: ListOptions) =>
      apiCommand('list-action-executions', options, async (api) => {
        const page = await api.listActionExecutions(requestOf(name, options));
        if (options.json) return printJson(page);
        for (const detail of page.actionExecutionDetails) {
          const result = detail.output.executionResult;
          const about = result?.errorDetails?.message ?? result?.externalExecutionSummary;
          console.log(
            `${detail.pipelineExecutionId}  ${detail.stageName}/${detail.actionName}  ${detail.status.padEnd(10)}  ${detail.startTime}${about ? `  ${about}` : ''}`,
          );
        }
        if (page.nextToken) console.log(`More: --next-token ${page.nextToken}`);
      }),
    ),
  );
}
