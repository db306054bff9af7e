import { providerCatalog } from '../actions/registry';
import { providerKey } from '../core/declaration-fields';
import type { ProviderCatalog, ProviderSpec } from '../core/providers';
import type { ExecutionDependencies } from './dependencies';

/**
 * The catalog that pipelines compile against where `deps` run them: the registry's, with the spec
 * of each provider that `deps` hold in its place, so that the integration the compiled definition
 * uses for an action is the one of the provider that runs it.
 */
export function compileCatalog(deps: Pick<ExecutionDependencies, 'providers'>): ProviderCatalog {
  const catalog = new Map<string, ProviderSpec>(providerCatalog);
  for (const provider of deps.providers.values()) catalog.set(providerKey(provider.spec), provider.spec);
  return catalog;
}
