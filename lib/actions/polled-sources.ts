import { providerKey } from '../core/declaration-fields';
import type { ProviderSpec } from '../core/providers';
import type { AnyActionProvider } from './action-provider';
import { codeCommitSourceSpec } from './codecommit-source-spec';
import { s3SourceSpec } from './s3-source';

/** A provider whose sources are polled for changes, and the code that reads their latest revision, loaded when it is first needed. */
export interface PolledSourceProvider {
  spec: ProviderSpec;
  load(): Promise<AnyActionProvider>;
}

/**
 * The providers whose sources are polled for changes (PollForSourceChanges): all the source poll
 * function runs of the providers' code. Each loads its code when a source of its kind is first
 * polled, so that a poll of S3 sources alone never loads CodeCommit's git.
 */
export const polledSourceProviders: readonly PolledSourceProvider[] = [
  { spec: s3SourceSpec, load: async () => (await import('./s3-source')).s3Source },
  { spec: codeCommitSourceSpec, load: async () => (await import('./codecommit-source')).codeCommitSource },
];

/** The polled provider of `key` (a providerKey), its code loaded; undefined for a provider whose sources are not polled. */
export async function polledSourceProvider(key: string): Promise<AnyActionProvider | undefined> {
  return polledSourceProviders.find((provider) => providerKey(provider.spec) === key)?.load();
}
