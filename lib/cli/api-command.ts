import { BadInputError, NotFoundError, SluiceError } from '../core/errors';
import type { SluiceApi } from '../operations/sluice-api';
import { ExitCode } from './exit-codes';
import type { LocalOptions } from './local-options';

/**
 * Runs a command against the data dir's API: what it prints is its own; a wrong name or bad input
 * exits 2, any other Sluice error (a busy data dir) exits 1, each with its message.
 */
export async function apiCommand(command: string, options: LocalOptions, use: (api: SluiceApi) => Promise<ExitCode | void>): Promise<ExitCode> {
  try {
    // Loaded on use: the local stack is heavy to load, and --help should not wait for it.
    const { withSluiceApi } = await import('./api-access');
    return (await withSluiceApi(options.dataDir, command, use)) ?? ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    console.error(error.message);
    return error instanceof BadInputError || error instanceof NotFoundError ? ExitCode.BadInput : ExitCode.Failed;
  }
}

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2));
