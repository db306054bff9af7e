import { commands } from '../../lib/actions/commands';
import type { ProviderSpec } from '../../lib/core/providers';

/**
 * Commands' spec as a provider that the action runner runs itself (one runAction Task): what a
 * test's stand-in Commands provider carries, so that pipelines compiled for its deps
 * (compileCatalog) hand each action to the stand-in's `run` rather than to a CodeBuild build.
 */
export const runnerCommandsSpec: ProviderSpec = { ...commands.spec, integration: 'runner' };
