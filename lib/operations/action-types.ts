import type { ActionConfigurationProperty, CustomActionTypeRecord } from '../core/custom-action-types';
import { ACTION_OWNERS, ActionTypeIdSchema, type ActionOwner, type ActionTypeId } from '../core/declaration';
import { providerKey } from '../core/declaration-fields';
import type { ProviderCatalog, ProviderSpec } from '../core/providers';
import { ActionTypeNotFoundError, ValidationError } from '../core/errors';
import { parseOrRefuse } from './parse-input';

/** An action type Sluice can run, in the terms of CodePipeline's ActionType. */
export interface ActionTypeDescription {
  id: ActionTypeId;
  description?: string;
  /** Where it runs: Sluice's own providers say which runtimes offer them. */
  runtimes?: readonly string[];
  /** The links a custom type's CreateCustomActionType gave; Sluice's own providers have none. */
  settings?: CustomActionTypeRecord['settings'];
  configurationProperties: ActionConfigurationProperty[];
  inputArtifactDetails: { minimumCount: number; maximumCount: number };
  outputArtifactDetails: { minimumCount: number; maximumCount: number };
}

/**
 * The custom action types registered at run time (owner `Custom`, worked by job workers), which
 * ListActionTypes lists beside the providers'. Where none is given, there are none.
 */
export type CustomActionTypes = () => Promise<ActionTypeDescription[]>;

/** A custom type as CreateCustomActionType registered it, owner Custom. */
export function customActionTypeDescription(record: CustomActionTypeRecord): ActionTypeDescription {
  return {
    id: { ...record.id, owner: 'Custom' },
    ...(record.settings ? { settings: record.settings } : {}),
    configurationProperties: record.configurationProperties,
    inputArtifactDetails: record.inputArtifactDetails,
    outputArtifactDetails: record.outputArtifactDetails,
  };
}

/** A provider's spec as an action type. */
export function providerActionType(spec: ProviderSpec): ActionTypeDescription {
  return {
    id: { category: spec.category, owner: spec.owner, provider: spec.provider, version: spec.version },
    description: spec.description,
    runtimes: spec.runtimes,
    configurationProperties: spec.configuration.map((property) => ({
      name: property.name,
      required: property.required,
      key: false,
      secret: false,
      description: property.description,
      type: 'String',
    })),
    inputArtifactDetails: { minimumCount: spec.inputArtifacts.min, maximumCount: spec.inputArtifacts.max },
    outputArtifactDetails: { minimumCount: spec.outputArtifacts.min, maximumCount: spec.outputArtifacts.max },
  };
}

/** ListActionTypes: the providers' action types and the custom ones, of `owner` or all, in a stable order. */
export async function listActionTypes(catalog: ProviderCatalog, custom: CustomActionTypes | undefined, owner?: ActionOwner): Promise<ActionTypeDescription[]> {
  if (owner !== undefined && !ACTION_OWNERS.includes(owner)) {
    throw new ValidationError(`actionOwnerFilter must be one of ${ACTION_OWNERS.join(', ')}, not ${owner}.`);
  }
  const all = [...[...catalog.values()].map(providerActionType), ...((await custom?.()) ?? [])];
  return all.filter((type) => owner === undefined || type.id.owner === owner).sort((a, b) => actionTypeName(a.id).localeCompare(actionTypeName(b.id)));
}

/** GetActionType: the one action type of that category, owner, provider and version. */
export async function getActionType(catalog: ProviderCatalog, custom: CustomActionTypes | undefined, given: ActionTypeId): Promise<ActionTypeDescription> {
  const id = parseOrRefuse(ActionTypeIdSchema, given, 'GetActionType');
  const found = (await listActionTypes(catalog, custom, id.owner)).find((type) => providerKey(type.id) === providerKey(id) && type.id.version === id.version);
  if (!found) {
    throw new ActionTypeNotFoundError(`There is no action type ${actionTypeName(id)}. ListActionTypes (sluice providers) lists those there are.`);
  }
  return found;
}

const actionTypeName = (id: ActionTypeId) => `${id.category}/${id.owner}/${id.provider}/${id.version}`;
