import type { Command } from 'commander';
import { ExitCode, type ExitWith } from '../exit-codes';

export function registerProviders(program: Command, exitWith: ExitWith): void {
  program
    .command('providers')
    .description('List the action providers, their configuration keys and where they run')
    .option('--json', 'print the registry as JSON')
    .option('--markdown', "print the README's provider table")
    .action(
      exitWith(async (options: { json?: boolean; markdown?: boolean }) => {
        const { providerSpecs, providerTable, runtimesText } = await import('../../actions/registry');
        const specs = providerSpecs;
        if (options.markdown) {
          console.log(providerTable(specs));
          return ExitCode.Ok;
        }
        if (options.json) {
          console.log(JSON.stringify(specs, null, 2));
          return ExitCode.Ok;
        }
        for (const spec of specs) {
          console.log(`${spec.category.padEnd(9)}${`${spec.owner}/${spec.provider}`.padEnd(30)}runs on: ${runtimesText(spec)}`);
          console.log(`         ${spec.description}`);
          for (const key of spec.configuration) {
            console.log(`           ${key.name}${key.required ? ' (required)' : ''}: ${key.description}`);
          }
        }
        return ExitCode.Ok;
      }),
    );
}
