import { Option, type Command } from 'commander';
import { RUNTIMES, type Runtime } from '../core/providers';

export interface RuntimeOptions {
  runtime?: Runtime;
}

/** `--runtime aws|local`: also refuse providers that the runtime cannot run. */
export function runtimeOption(command: Command): Command {
  return command.addOption(new Option('--runtime <runtime>', 'also check that every provider runs on this runtime').choices(RUNTIMES));
}
