import type { AnyActionProvider } from './action-provider';
import { codeCommitSource } from './codecommit-source';
import { s3Source } from './s3-source';

/**
 * The providers whose sources are polled for changes (PollForSourceChanges), with the code that
 * reads their latest revision: all the source poll function runs of the providers' code.
 */
export const polledSourceProviders: readonly AnyActionProvider[] = [s3Source, codeCommitSource];
