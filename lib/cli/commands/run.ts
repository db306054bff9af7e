import type { Command } from 'commander';
import { preloadEmbeddedStack } from '../../adapters/local/embedded-stack';
import { ownerApi } from '../api-access';
import { type ExitWith } from '../exit-codes';
import { collectVariable, dataDirOption } from '../local-options';
import { templateOptions } from '../template-options';
import type { RunLocalOptions } from '../run-local';

export function registerRun(program: Command, exitWith: ExitWith): void {
  templateOptions(
    dataDirOption(
      program
        .command('run')
        .description('Validate, compile and run a pipeline on this machine, and wait for its end (exit 0 Succeeded, 1 Failed or Stopped, 2 bad input)')
        .argument('<file>', 'the pipeline declaration (JSON or YAML), or a CloudFormation template')
        .option('--var <name=value>', 'set a pipeline variable (repeatable)', collectVariable)
        .option('--auto-approve', 'approve every Manual approval at once')
        .option('--quiet', 'do not stream action logs; a failing action still shows its last lines')
        .option('--json', 'print the execution, its stages and actions as JSON at the end'),
    ),
  ).action(
    exitWith(async (file: string, options: RunLocalOptions) => {
      // Unless sluice serve runs it, the run starts the embedded stack: its worker loads while the pipeline is loaded and checked.
      if (!(await ownerApi(options.dataDir, 'serve'))) preloadEmbeddedStack();
      return (await import('../run-local')).runLocal({ file }, options);
    }),
  );
}
