import { BadInputError, NotFoundError, SluiceError } from '../core/errors';
import type { SluiceApi } from '../operations/sluice-api';
import { ExitCode } from './exit-codes';
import type { LocalOptions } from './local-options';
import type { TargetOptions } from './target-options';

/**
 * Runs a command against the API of the data dir, or of the stack on AWS with `--target aws`:
 * what it prints is its own; a wrong name or bad input exits 2, any other Sluice error (a busy
 * data dir, an AccessDenied) exits 1, each with its message.
 */
export async function apiCommand(command: string, options: LocalOptions | TargetOptions, use: (api: SluiceApi) => Promise<ExitCode | void>): Promise<ExitCode> {
  if ('target' in options && options.target === 'aws') return awsApiCommand(options, use);
  // Loaded on use: the local stack is heavy to load, and --help should not wait for it.
  return reportingErrors(async () => (await import('./api-access')).withSluiceApi(options.dataDir, command, use));
}

/** Runs a command against the API of the stack on AWS. */
export function awsApiCommand(options: TargetOptions, use: (api: SluiceApi) => Promise<ExitCode | void>): Promise<ExitCode> {
  // Loaded on use, as the local stack is: the AWS SDK clients take a while to load too.
  return reportingErrors(async () => (await import('../compose/aws-cli')).withAwsApi({ stage: options.stage, region: options.region }, use));
}

async function reportingErrors(run: () => Promise<ExitCode | void>): Promise<ExitCode> {
  try {
    return (await run()) ?? ExitCode.Ok;
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    console.error(error.message);
    return error instanceof BadInputError || error instanceof NotFoundError ? ExitCode.BadInput : ExitCode.Failed;
  }
}

export const printJson = (value: unknown) => console.log(JSON.stringify(value, null, 2));
