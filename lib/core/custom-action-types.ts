import { z } from 'zod';
import { ActionTypeIdSchema, type ActionCategory, type ActionTypeId } from './declaration';
import type { ProviderSpec } from './providers';

/** CodePipeline's ActionTypeId of a custom type: its owner is always Custom. */
export interface CustomActionTypeId {
  category: ActionCategory;
  provider: string;
  version: string;
}

/** One configuration property of an action type, as CodePipeline's ActionConfigurationProperty has it and CreateCustomActionType takes it. */
export interface ActionConfigurationProperty {
  name: string;
  required: boolean;
  /** Whether the property is part of the action's identity; Sluice's providers key nothing on one. */
  key: boolean;
  /** Whether its value is hidden from GetPipeline; none of Sluice's providers takes a secret in its configuration. */
  secret: boolean;
  /** Whether a job worker names its value in PollForJobs' queryParam; only a custom type has one. */
  queryable?: boolean;
  description?: string;
  type?: 'String' | 'Number' | 'Boolean';
}

/** A custom action type that CreateCustomActionType registered. */
export interface CustomActionTypeRecord {
  id: CustomActionTypeId;
  settings?: {
    thirdPartyConfigurationUrl?: string;
    entityUrlTemplate?: string;
    executionUrlTemplate?: string;
    revisionUrlTemplate?: string;
  };
  configurationProperties: ActionConfigurationProperty[];
  inputArtifactDetails: { minimumCount: number; maximumCount: number };
  outputArtifactDetails: { minimumCount: number; maximumCount: number };
  tags?: { key: string; value: string }[];
  created: string;
  /** When DeleteCustomActionType deleted it: as in CodePipeline, the same version cannot be created again. */
  deletedAt?: string;
}

const artifactCount = (what: string) =>
  z
    .number({ error: `${what} must be a whole number from 0 to 5` })
    .int({ error: `${what} must be a whole number from 0 to 5` })
    .min(0, { error: `${what} must be from 0 to 5` })
    .max(5, { error: `${what} must be from 0 to 5` });

const artifactDetails = (field: string) =>
  z
    .strictObject({ minimumCount: artifactCount(`${field}.minimumCount`), maximumCount: artifactCount(`${field}.maximumCount`) })
    .refine((details) => details.minimumCount <= details.maximumCount, { error: `${field}.minimumCount must not exceed its maximumCount` });

const url = (field: string) =>
  z
    .string()
    .min(1, { error: `${field} must not be empty` })
    .max(2048, { error: `${field} is longer than 2048 characters` });

const ConfigurationPropertySchema = z.strictObject({
  name: z
    .string()
    .min(1, { error: 'A configuration property name must not be empty' })
    .max(50, { error: 'A configuration property name is at most 50 characters' }),
  required: z.boolean({ error: 'required must be true or false' }),
  key: z.boolean({ error: 'key must be true or false' }),
  secret: z.boolean({ error: 'secret must be true or false' }),
  queryable: z.boolean({ error: 'queryable must be true or false' }).optional(),
  description: z.string().min(1).max(160, { error: 'description is at most 160 characters' }).optional(),
  type: z.enum(['String', 'Number', 'Boolean'], { error: 'type must be String, Number or Boolean' }).optional(),
});

/** CreateCustomActionType's input, with CodePipeline's constraints. */
export const CustomActionTypeSchema = z
  .strictObject({
    ...ActionTypeIdSchema.omit({ owner: true }).shape,
    settings: z
      .strictObject({
        thirdPartyConfigurationUrl: url('settings.thirdPartyConfigurationUrl').optional(),
        entityUrlTemplate: url('settings.entityUrlTemplate').optional(),
        executionUrlTemplate: url('settings.executionUrlTemplate').optional(),
        revisionUrlTemplate: url('settings.revisionUrlTemplate').optional(),
      })
      .optional(),
    configurationProperties: z.array(ConfigurationPropertySchema).max(10, { error: 'A custom action type has at most 10 configuration properties' }).optional(),
    inputArtifactDetails: artifactDetails('inputArtifactDetails'),
    outputArtifactDetails: artifactDetails('outputArtifactDetails'),
    tags: z
      .array(z.strictObject({ key: z.string().min(1).max(128), value: z.string().max(256) }), { error: 'tags must be a list of {key, value}' })
      .max(50, { error: 'At most 50 tags' })
      .optional(),
  })
  .superRefine((input, context) => {
    const properties = input.configurationProperties ?? [];
    const names = properties.map((property) => property.name);
    const repeated = names.find((name, index) => names.indexOf(name) !== index);
    if (repeated) context.addIssue({ code: 'custom', path: ['configurationProperties'], message: `Configuration property ${repeated} is declared twice` });
    const queryable = properties.filter((property) => property.queryable);
    if (queryable.length > 1)
      context.addIssue({ code: 'custom', path: ['configurationProperties'], message: 'At most one configuration property can be queryable' });
    for (const property of queryable) {
      if (!property.required || property.secret)
        context.addIssue({
          code: 'custom',
          path: ['configurationProperties'],
          message: `The queryable property ${property.name} must be required and not secret`,
        });
    }
  });

export type CustomActionTypeInput = z.infer<typeof CustomActionTypeSchema>;

/** How a custom type is named in messages: `Build/Custom/MyTool/1`. */
export const describeCustomType = (id: CustomActionTypeId): string => `${id.category}/Custom/${id.provider}/${id.version}`;

/** The custom type an action declaration names, or undefined when its owner is not Custom. */
export function customTypeOf(id: ActionTypeId): CustomActionTypeId | undefined {
  return id.owner === 'Custom' ? { category: id.category, provider: id.provider, version: id.version } : undefined;
}

/**
 * What validation knows of a custom type: its configuration properties as keys, its artifact
 * counts, and the job integration, which waits for a worker. A worker may report any output variables.
 */
export function customActionSpec(record: CustomActionTypeRecord): ProviderSpec {
  return {
    category: record.id.category,
    owner: 'Custom',
    provider: record.id.provider,
    version: record.id.version,
    description: `A custom action type: a job worker polls for its jobs.`,
    configuration: record.configurationProperties.map((property) => ({
      name: property.name,
      required: property.required,
      description: property.description ?? 'a configuration property of the custom action type',
    })),
    inputArtifacts: { min: record.inputArtifactDetails.minimumCount, max: record.inputArtifactDetails.maximumCount },
    outputArtifacts: { min: record.outputArtifactDetails.minimumCount, max: record.outputArtifactDetails.maximumCount },
    outputVariables: 'open',
    runtimes: ['aws', 'local'],
    integration: 'job',
    cost: { pricedAs: 'wait' },
  };
}
