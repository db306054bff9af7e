import { polledSourceProviders } from '../actions/polled-sources';
import { providerKey } from '../core/declaration-fields';
import type { OperationsDependencies } from '../operations/pipeline-operations';
import { awsCodeCommit, awsDependencies } from './aws';

let dependencies: OperationsDependencies | undefined;

/**
 * awsDependencies with what reads the polled sources' revisions: their providers' code and
 * CodeCommit. Apart from lib/compose/aws-actions.ts, so that the source poll's bundle holds no
 * other provider's run code.
 */
export function awsSourcePollDependencies(): OperationsDependencies {
  if (dependencies) return dependencies;
  const deps = awsDependencies();
  const polled = polledSourceProviders.map((provider) => [providerKey(provider.spec), provider] as const);
  return (dependencies = { ...deps, providers: new Map([...deps.providers, ...polled]), codeCommit: awsCodeCommit() });
}
