import type { ProviderSpec } from '../../lib/core/providers';

/** The spec of a Custom provider that a test registers: local, with no configuration, no artifacts and no variables. */
export function customProviderSpec(category: ProviderSpec['category'], provider: string, description: string): ProviderSpec {
  return {
    category,
    owner: 'Custom',
    provider,
    version: '1',
    description,
    configuration: [],
    inputArtifacts: { min: 0, max: 0 },
    outputArtifacts: { min: 0, max: 0 },
    outputVariables: [],
    runtimes: ['local'],
    cost: { pricedAs: 'runner', runnerMs: 1000 },
  };
}
