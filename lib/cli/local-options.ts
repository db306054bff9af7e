import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../compose/data-dir';

export interface LocalOptions {
  dataDir: string;
}

/** `--data-dir`: the local installation to use. */
export function dataDirOption(command: Command): Command {
  return command.option('--data-dir <dir>', 'the local installation: pipelines, executions, artifacts and logs', DEFAULT_DATA_DIR);
}

/** Collects repeated `--var name=value` options into a map. */
export function collectVariable(text: string, variables: Record<string, string> = {}): Record<string, string> {
  const match = /^([A-Za-z0-9@\-_]+)=(.*)$/s.exec(text);
  if (!match) throw new InvalidArgumentError(`"${text}" is not name=value.`);
  return { ...variables, [match[1]!]: match[2]! };
}
