import type { Command } from 'commander';
import { actionProviders } from '../../actions/registry';
import { ExitCode, type ExitWith } from '../exit-codes';

export function registerProviders(program: Command, exitWith: ExitWith): void {
  program
    .command('providers')
    .description('List the action providers, their configuration keys and where they run')
    .option('--json', 'print the registry as JSON')
    .action(
      exitWith((options: { json?: boolean }) => {
        const specs = actionProviders.map((provider) => provider.spec);
        if (options.json) {
          console.log(JSON.stringify(specs, null, 2));
          return ExitCode.Ok;
        }
        for (const spec of specs) {
          console.log(`${spec.category.padEnd(9)}${`${spec.owner}/${spec.provider}`.padEnd(30)}runs on: ${spec.runtimes.join(', ')}`);
          console.log(`         ${spec.description}`);
          for (const key of spec.configuration) {
            console.log(`           ${key.name}${key.required ? ' (required)' : ''}: ${key.description}`);
          }
        }
        return ExitCode.Ok;
      }),
    );
}
