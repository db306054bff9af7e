import type { ActionDeclaration, ActionTypeId } from './declaration';

// Kept apart from the declaration's schemas, so that a module which reads declarations already
// validated (a record, a compiled definition) does not load zod with them.

/** The key that names a provider in the registry: `Category/Owner/Provider`. */
export function providerKey(id: Pick<ActionTypeId, 'category' | 'owner' | 'provider'>): string {
  return `${id.category}/${id.owner}/${id.provider}`;
}

/** An action's runOrder, with CodePipeline's default of 1. */
export function runOrderOf(action: ActionDeclaration): number {
  return action.runOrder ?? 1;
}
