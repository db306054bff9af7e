import { commands } from '../../lib/actions/commands';
import { providerCatalog } from '../../lib/actions/registry';
import { providerKey } from '../../lib/core/declaration';
import type { ProviderCatalog, ProviderSpec } from '../../lib/core/providers';

/**
 * Commands' spec as a provider that the action runner runs itself (one runAction Task): what a
 * test's stand-in Commands provider carries, so that pipelines compiled for its deps
 * (compileCatalog) hand each action to the stand-in's `run` rather than to a CodeBuild build.
 */
export const runnerCommandsSpec: ProviderSpec = { ...commands.spec, integration: 'runner' };

/** The registry's catalog with Commands as a runner provider: for tests that use Commands actions as cheap runAction steps. */
export const runnerCommandsCatalog: ProviderCatalog = new Map(providerCatalog).set(providerKey(runnerCommandsSpec), runnerCommandsSpec);
