import { InvalidArgumentError, type Command } from 'commander';
import { describeRetention, pruneReportLines } from '../../core/retention';
import { apiCommand, printJson } from '../api-command';
import type { ExitWith } from '../exit-codes';
import { dataDirOption, type LocalOptions } from '../local-options';

interface PruneCommandOptions extends LocalOptions {
  keepExecutions?: number;
  keepDays?: number;
  dryRun?: boolean;
  json?: boolean;
}

const atLeastOne = (option: string) => (text: string) => {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`${option} must be a whole number of at least 1, not "${text}".`);
  return Number(text);
};

/** `sluice prune`: applies the retention policy to the local installation now. */
export function registerPrune(program: Command, exitWith: ExitWith): void {
  dataDirOption(
    program
      .command('prune')
      .description(
        'Delete the finished executions the retention policy lets go, with their artifacts, logs, events, approvals and mails; running ones are never touched',
      )
      .option(
        '--keep-executions <n>',
        'keep the newest n finished executions of each pipeline (over the setting retention.keepExecutions)',
        atLeastOne('--keep-executions'),
      )
      .option(
        '--keep-days <d>',
        'keep finished executions that ended in the last d days (over the setting retention.keepDays; 90 by default)',
        atLeastOne('--keep-days'),
      )
      .option('--dry-run', 'only print what would be deleted')
      .option('--json', 'print JSON'),
  ).action(
    exitWith((options: PruneCommandOptions) =>
      apiCommand('prune', options, async (api) => {
        const report = await api.pruneExecutions({ keepExecutions: options.keepExecutions, keepDays: options.keepDays, dryRun: options.dryRun });
        if (options.json) return printJson(report);
        const lines = pruneReportLines(report);
        for (const line of lines.length > 0 ? lines : [report.dryRun ? 'Nothing would be pruned.' : 'Nothing to prune.']) console.log(line);
        console.log(`Kept: ${describeRetention(report.policy)}, and every running execution.`);
      }),
    ),
  );
}
