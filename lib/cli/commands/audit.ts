import { InvalidArgumentError, type Command } from 'commander';
import { auditTableLines } from '../../core/audit';
import { apiCommand, printJson } from '../api-command';
import type { ExitWith } from '../exit-codes';
import { targetOptions, type TargetOptions } from '../target-options';

interface AuditCommandOptions extends TargetOptions {
  limit: number;
  json?: boolean;
}

const atLeastOne = (text: string) => {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`--limit must be a whole number of at least 1, not "${text}".`);
  return Number(text);
};

/** `sluice audit [<pipeline>]`: the control operations done to a pipeline, or to every one, newest first. */
export function registerAudit(program: Command, exitWith: ExitWith): void {
  targetOptions(
    program
      .command('audit')
      .description(
        'Show who created, updated, deleted, started, stopped or approved what, when, from where and why, newest first; a deleted pipeline is shown too',
      )
      .argument('[pipeline]', "only this pipeline's records")
      .option('--limit <n>', 'at most this many', atLeastOne, 50)
      .option('--json', 'print JSON'),
  ).action(
    exitWith((pipeline: string | undefined, options: AuditCommandOptions) =>
      apiCommand('audit', options, async (api) => {
        const { items, nextToken } = await api.listAuditRecords({ maxResults: options.limit, ...(pipeline ? { pipelineName: pipeline } : {}) });
        if (options.json) return printJson({ auditRecords: items, ...(nextToken ? { nextToken } : {}) });
        if (items.length === 0) return console.log(pipeline ? `No control operation on ${pipeline} is recorded.` : 'No control operation is recorded.');
        for (const line of auditTableLines(items)) console.log(line);
        if (nextToken) console.log(`(the newest ${items.length}; --limit shows more)`);
      }),
    ),
  );
}
