import { z } from 'zod';

/**
 * The pipeline declaration: CodePipeline's `PipelineDeclaration`, with the API's own field names,
 * patterns and quotas. Objects are strict, so a misspelt field is reported instead of ignored.
 */

const NAME = /^[A-Za-z0-9.@\-_]+$/;
const ARTIFACT_NAME = /^[a-zA-Z0-9_-]+$/;
const NAMESPACE = /^[A-Za-z0-9@\-_]+$/;
const PROVIDER = /^[0-9A-Za-z_-]+$/;
const VARIABLE_NAME = /^[A-Za-z0-9@\-_]+$/;
const ENVIRONMENT_VARIABLE_NAME = /^[A-Za-z0-9_]+$/;
const ROLE_ARN = /^arn:aws(-[\w]+)*:iam::[0-9]{12}:role\/.*$/;
const BUCKET = /^[a-zA-Z0-9\-.]+$/;

function patterned(what: string, pattern: RegExp, allowed: string, max: number) {
  return (
    z
      .string({ error: `${what} must be a string` })
      .min(1, { error: `${what} is empty; give 1 to ${max} characters (${allowed})` })
      .max(max, { error: `${what} is longer than ${max} characters` })
      .regex(pattern, { error: `${what} may contain only ${allowed}` })
      // Names become parts of paths and object keys, where these two mean this place and its parent.
      .refine((name) => name !== '.' && name !== '..', { error: `${what} cannot be "." or ".."; choose a name with a letter or digit` })
  );
}

function bounded(what: string, min: number, max: number) {
  return z
    .string({ error: `${what} must be a string` })
    .min(min, { error: `${what} must have at least ${min} character${min === 1 ? '' : 's'}` })
    .max(max, { error: `${what} is longer than ${max} characters` });
}

function list<T extends z.ZodType>(what: string, item: T, min: number, max: number) {
  return z
    .array(item, { error: `${what} must be a list` })
    .min(min, { error: `${what} needs at least ${min} item${min === 1 ? '' : 's'}` })
    .max(max, { error: `${what} allows at most ${max} items` });
}

function oneOf<const T extends readonly [string, ...string[]]>(what: string, values: T) {
  return z.enum(values, { error: `${what} must be one of ${values.join(', ')}` });
}

const wholeNumber = (what: string, min: number, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int({ error: `${what} must be a whole number` })
    .min(min, { error: `${what} must be from ${min} to ${max}` })
    .max(max, { error: `${what} must be from ${min} to ${max}` });

export const ACTION_CATEGORIES = ['Source', 'Build', 'Deploy', 'Test', 'Invoke', 'Approval', 'Compute'] as const;
export const ACTION_OWNERS = ['AWS', 'ThirdParty', 'Custom'] as const;

const actionName = patterned('An action name', NAME, 'letters, digits and . @ - _', 100);
const stageName = patterned('A stage name', NAME, 'letters, digits and . @ - _', 100);
const artifactName = patterned('An artifact name', ARTIFACT_NAME, 'letters, digits, - and _', 100);
const namespace = patterned('A namespace', NAMESPACE, 'letters, digits and @ - _', 100);
const roleArn = bounded('roleArn', 1, 1024).regex(ROLE_ARN, {
  error: 'roleArn must be an IAM role ARN, like arn:aws:iam::123456789012:role/PipelineRole',
});
const region = bounded('region', 4, 30);
const timeoutInMinutes = wholeNumber('timeoutInMinutes', 5, 86400);
const configuration = z.record(bounded('A configuration key', 1, 50), bounded('A configuration value', 1, 1000), {
  error: 'configuration must be a map of strings to strings',
});

export const ActionTypeIdSchema = z.strictObject({
  category: oneOf('category', ACTION_CATEGORIES),
  owner: oneOf('owner', ACTION_OWNERS),
  provider: patterned('provider', PROVIDER, 'letters, digits, - and _', 35),
  version: patterned('version', PROVIDER, 'letters, digits, - and _', 9),
});

export const InputArtifactSchema = z.strictObject({ name: artifactName });

export const OutputArtifactSchema = z.strictObject({
  name: artifactName,
  files: list('files', bounded('A file pattern', 1, 128), 1, 10).optional(),
});

export const EnvironmentVariableSchema = z.strictObject({
  name: patterned('An environment variable name', ENVIRONMENT_VARIABLE_NAME, 'letters, digits and _', 128),
  value: bounded('An environment variable value', 1, 2000),
  type: oneOf('type', ['PLAINTEXT', 'SECRETS_MANAGER']).optional(),
});

export const ActionSchema = z.strictObject({
  name: actionName,
  actionTypeId: ActionTypeIdSchema,
  runOrder: wholeNumber('runOrder', 1, 999).optional(),
  configuration: configuration.optional(),
  commands: list('commands', bounded('A command', 1, 1000), 1, 50).optional(),
  outputArtifacts: list('outputArtifacts', OutputArtifactSchema, 0, 100).optional(),
  inputArtifacts: list('inputArtifacts', InputArtifactSchema, 0, 100).optional(),
  outputVariables: list('outputVariables', bounded('An output variable', 1, 128), 1, 15).optional(),
  roleArn: roleArn.optional(),
  region: region.optional(),
  namespace: namespace.optional(),
  timeoutInMinutes: timeoutInMinutes.optional(),
  environmentVariables: list('environmentVariables', EnvironmentVariableSchema, 1, 10).optional(),
});

const RuleSchema = z.strictObject({
  name: actionName,
  ruleTypeId: z.strictObject({
    category: z.literal('Rule', { error: 'ruleTypeId.category must be Rule' }),
    owner: z.literal('AWS', { error: 'ruleTypeId.owner must be AWS' }).optional(),
    provider: patterned('provider', PROVIDER, 'letters, digits, - and _', 35),
    version: patterned('version', PROVIDER, 'letters, digits, - and _', 9).optional(),
  }),
  configuration: configuration.optional(),
  commands: list('commands', bounded('A command', 1, 1000), 1, 50).optional(),
  inputArtifacts: list('inputArtifacts', InputArtifactSchema, 0, 100).optional(),
  roleArn: roleArn.optional(),
  region: region.optional(),
  timeoutInMinutes: timeoutInMinutes.optional(),
});

const ConditionSchema = z.strictObject({
  result: oneOf('result', ['ROLLBACK', 'FAIL', 'RETRY', 'SKIP']).optional(),
  rules: list('rules', RuleSchema, 1, 5).optional(),
});

const conditions = list('conditions', ConditionSchema, 1, 1);

export const StageSchema = z.strictObject({
  name: stageName,
  blockers: list('blockers', z.strictObject({ name: bounded('A blocker name', 1, 100), type: z.literal('Schedule') }), 0, 10).optional(),
  actions: list('actions', ActionSchema, 1, 50),
  onFailure: z
    .strictObject({
      result: oneOf('result', ['ROLLBACK', 'FAIL', 'RETRY', 'SKIP']).optional(),
      retryConfiguration: z.strictObject({ retryMode: oneOf('retryMode', ['FAILED_ACTIONS', 'ALL_ACTIONS']).optional() }).optional(),
      conditions: conditions.optional(),
    })
    .optional(),
  onSuccess: z.strictObject({ conditions }).optional(),
  beforeEntry: z.strictObject({ conditions }).optional(),
});

const filterCriteria = (what: string) =>
  z
    .strictObject({
      includes: list(`${what}.includes`, bounded('A pattern', 1, 255), 1, 8).optional(),
      excludes: list(`${what}.excludes`, bounded('A pattern', 1, 255), 1, 8).optional(),
    })
    .optional();

export const TriggerSchema = z.strictObject({
  providerType: z.literal('CodeStarSourceConnection', {
    error: 'providerType must be CodeStarSourceConnection',
  }),
  gitConfiguration: z.strictObject({
    sourceActionName: actionName,
    push: list(
      'push',
      z.strictObject({
        tags: filterCriteria('tags'),
        branches: filterCriteria('branches'),
        filePaths: filterCriteria('filePaths'),
      }),
      1,
      3,
    ).optional(),
    pullRequest: list(
      'pullRequest',
      z.strictObject({
        events: list('events', oneOf('An event', ['OPEN', 'UPDATED', 'CLOSED']), 1, 3).optional(),
        branches: filterCriteria('branches'),
        filePaths: filterCriteria('filePaths'),
      }),
      1,
      3,
    ).optional(),
  }),
});

export const VariableSchema = z.strictObject({
  name: patterned('A variable name', VARIABLE_NAME, 'letters, digits and @ - _', 128),
  defaultValue: bounded('defaultValue', 1, 1000).optional(),
  description: bounded('description', 0, 200).optional(),
});

const ArtifactStoreSchema = z.strictObject({
  type: z.literal('S3', { error: 'artifactStore.type must be S3' }),
  location: bounded('location', 3, 63).regex(BUCKET, { error: 'location must be an S3 bucket name' }),
  encryptionKey: z.strictObject({ id: bounded('id', 1, 400), type: z.literal('KMS', { error: 'type must be KMS' }) }).optional(),
});

export const PipelineSchema = z.strictObject({
  name: patterned('The pipeline name', NAME, 'letters, digits and . @ - _', 100),
  roleArn: roleArn.optional(),
  artifactStore: ArtifactStoreSchema.optional(),
  artifactStores: z.record(region, ArtifactStoreSchema).optional(),
  stages: list('stages', StageSchema, 2, 50),
  version: wholeNumber('version', 1, Number.MAX_SAFE_INTEGER).optional(),
  executionMode: oneOf('executionMode', ['QUEUED', 'SUPERSEDED', 'PARALLEL']).optional(),
  pipelineType: oneOf('pipelineType', ['V1', 'V2']).optional(),
  variables: list('variables', VariableSchema, 0, 50).optional(),
  triggers: list('triggers', TriggerSchema, 0, 50).optional(),
});

export type PipelineDeclaration = z.infer<typeof PipelineSchema>;
export type StageDeclaration = z.infer<typeof StageSchema>;
export type ActionDeclaration = z.infer<typeof ActionSchema>;
export type ActionTypeId = z.infer<typeof ActionTypeIdSchema>;
export type ActionCategory = (typeof ACTION_CATEGORIES)[number];
export type ActionOwner = (typeof ACTION_OWNERS)[number];
export type TriggerDeclaration = z.infer<typeof TriggerSchema>;
export type ExecutionMode = NonNullable<PipelineDeclaration['executionMode']>;

// For the modules that parse a declaration and then read it: the others import these from
// declaration-fields, without the schemas.
export { providerKey, runOrderOf } from './declaration-fields';
