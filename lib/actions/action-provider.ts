import type { ProviderSpec } from '../core/providers';

/** One action provider: what it accepts, and where it runs. */
export interface ActionProvider {
  spec: ProviderSpec;
}

const noArtifacts = { min: 0, max: 0 } as const;
const oneArtifact = { min: 1, max: 1 } as const;

export const artifactCounts = { none: noArtifacts, one: oneArtifact };
