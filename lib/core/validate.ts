import { z } from 'zod';
import { PipelineSchema, type ActionDeclaration, type PipelineDeclaration, type StageDeclaration } from './declaration';
import { providerKey, runOrderOf } from './declaration-fields';
import {
  PROVIDERS_NOT_YET_BUILT,
  type ConfigurationContext,
  type ConfigurationProblem,
  type ProviderCatalog,
  type ProviderSpec,
  type Runtime,
} from './providers';
import { checkConditions, type ConditionOptions } from './validate-conditions';
import { checkRegions } from './validate-regions';
import { LOGGING_NAME_CHARACTERS } from './step-functions-rules';
import { EXECUTION_NAMESPACE, EXECUTION_VARIABLES, PIPELINE_VARIABLES_NAMESPACE, findVariableReferences, variableSites } from './variables';

/** The prefix of the environment variables CodeBuild sets itself. */
const RESERVED_ENVIRONMENT_PREFIX = 'CODEBUILD_';

/** One thing wrong with a declaration: where, which rule, and what would be right. */
export interface Problem {
  path: string;
  rule: string;
  message: string;
  /** Where the place is in the CloudFormation template that the declaration was read from. */
  templatePath?: string;
}

export type Validation = { ok: true; pipeline: PipelineDeclaration; problems: [] } | { ok: false; problems: Problem[] };

export interface ValidateOptions extends ConditionOptions {
  /** Refuse providers that this runtime cannot run. */
  runtime?: Runtime;
  /**
   * Whether the standard AWS credential chain gives credentials here, for the local runtime's
   * actions that call AWS; not checked where not given (see `callsAws`).
   */
  awsCredentials?: boolean;
  /** Locally, the Lambda functions that run from handler files here, which a Lambda invoke action reaches without AWS. */
  handlerFunctions?: readonly string[];
  /**
   * The region the pipeline runs in on that runtime: artifactStores needs a store for it, and an
   * action with another region is a cross-region action. The rules that need it wait until it is known.
   */
  homeRegion?: string;
}

/** Whether a declaration that validated has actions that call AWS services, which need AWS credentials on the local runtime. */
export function callsAws(pipeline: PipelineDeclaration, catalog: ProviderCatalog, where: ConfigurationContext = {}): boolean {
  return pipeline.stages.some((stage) =>
    stage.actions.some((action) => {
      const spec = catalog.get(providerKey(action.actionTypeId));
      return spec !== undefined && actionCallsAws(spec, action.configuration ?? {}, where);
    }),
  );
}

function actionCallsAws(spec: ProviderSpec, configuration: Readonly<Record<string, string>>, where: ConfigurationContext): boolean {
  return (spec.awsServices?.length ?? 0) > 0 && (spec.callsAws?.(configuration, where) ?? true);
}

/**
 * Checks a declaration against CodePipeline's schema, structural rules and quotas. Accepts the
 * bare `pipeline` object or a whole GetPipeline answer (`{pipeline, metadata}`).
 */
export function validatePipeline(input: unknown, catalog: ProviderCatalog, options: ValidateOptions = {}): Validation {
  const parsed = PipelineSchema.safeParse(unwrapGetPipelineOutput(input), { reportInput: true });
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(schemaProblem) };
  const problems = structuralProblems(parsed.data, catalog, options);
  return problems.length === 0 ? { ok: true, pipeline: parsed.data, problems: [] } : { ok: false, problems };
}

/**
 * validatePipeline, asking whether AWS credentials are found here only where the answer matters:
 * a declaration for the local runtime with actions that call AWS (finding none can take a second).
 */
export async function validatePipelineAsking(
  input: unknown,
  catalog: ProviderCatalog,
  options: ValidateOptions,
  awsCredentials: () => Promise<boolean>,
): Promise<Validation> {
  const validation = validatePipeline(input, catalog, options);
  if (options.runtime !== 'local' || !validation.ok || !callsAws(validation.pipeline, catalog, options)) return validation;
  return validatePipeline(input, catalog, { ...options, awsCredentials: await awsCredentials() });
}

function unwrapGetPipelineOutput(input: unknown): unknown {
  if (input !== null && typeof input === 'object' && 'pipeline' in input) {
    const { pipeline, metadata: _ignored, ...rest } = input as Record<string, unknown>;
    if (Object.keys(rest).length === 0) return pipeline;
  }
  return input;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === 'number') return `${text}[${segment}]`;
    const name = String(segment);
    return text === '' ? name : `${text}.${name}`;
  }, '');
}

function schemaProblem(issue: z.core.$ZodIssue): Problem {
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(objectShapeAt(issue.path) ?? {});
    const fields = issue.keys.map((key) => `"${key}"`).join(', ');
    return {
      path: formatPath([...issue.path, ...(issue.keys.length === 1 ? [issue.keys[0]!] : [])]),
      rule: 'unknown-field',
      message: `Unknown field ${fields}. Fields allowed here: ${known.join(', ')}.`,
    };
  }
  const message = issue.code === 'invalid_type' && issue.input === undefined ? `${formatPath(issue.path) || 'The declaration'} is required` : issue.message;
  return { path: formatPath(issue.path), rule: 'schema', message };
}

/** The fields an object in the declaration may have, found by walking the schema along a path. */
function objectShapeAt(path: readonly PropertyKey[]): Record<string, unknown> | undefined {
  let schema: z.ZodType = PipelineSchema;
  for (const segment of path) {
    schema = unwrapOptional(schema);
    if (schema instanceof z.ZodArray) schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodRecord) schema = schema.valueType as z.ZodType;
    else if (schema instanceof z.ZodObject) {
      const next = schema.shape[String(segment)];
      if (!next) return undefined;
      schema = next as z.ZodType;
    } else return undefined;
  }
  schema = unwrapOptional(schema);
  return schema instanceof z.ZodObject ? schema.shape : undefined;
}

function unwrapOptional(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
}

/** An action with where it stands, so rules can say which actions run before which. */
export interface PlacedAction {
  action: ActionDeclaration;
  stageIndex: number;
  actionIndex: number;
  path: string;
}

function runsBefore(a: PlacedAction, b: PlacedAction): boolean {
  return a.stageIndex < b.stageIndex || (a.stageIndex === b.stageIndex && runOrderOf(a.action) < runOrderOf(b.action));
}

/** Every rule of the structural checks, by the code its problems carry; a check reports no other. */
export const STRUCTURAL_RULES = [
  'artifact-store-conflict',
  'artifact-store-runtime',
  'artifact-store-region',
  'cross-region-action',
  'v2-only',
  'retry-configuration',
  'retry-mode',
  'parallel-rollback',
  'failure-condition-result',
  'stage-name-unique',
  'action-name-unique',
  'variable-name-unique',
  'first-stage-sources-only',
  'source-in-first-stage',
  'provider-unknown',
  'provider-not-yet',
  'provider-version',
  'provider-runtime',
  'aws-credentials',
  'action-role-region',
  'configuration-required',
  'configuration-unknown',
  'configuration-runtime',
  'input-artifact-count',
  'output-artifact-count',
  'commands-required',
  'commands-only',
  'environment-variable-reserved',
  'environment-variable-unique',
  'output-artifact-unique',
  'input-artifact-unique',
  'input-artifact-unknown',
  'input-artifact-order',
  'namespace-reserved',
  'namespace-unique',
  'namespace-unknown',
  'namespace-order',
  'variable-unknown',
  'trigger-source-action',
  'trigger-filter',
  'configuration-value',
  'aws-state-machine-name',
  'condition-result',
  'condition-rules',
  'rule-unknown',
  'rule-version',
  'rule-endpoint',
  'rule-name-unique',
] as const;

export type StructuralRule = (typeof STRUCTURAL_RULES)[number];

function structuralProblems(pipeline: PipelineDeclaration, catalog: ProviderCatalog, options: ValidateOptions): Problem[] {
  const problems: Problem[] = [];
  const report = (path: string, rule: StructuralRule, message: string) => problems.push({ path, rule, message });
  const placed: PlacedAction[] = pipeline.stages.flatMap((stage, stageIndex) =>
    stage.actions.map((action, actionIndex) => ({
      action,
      stageIndex,
      actionIndex,
      path: `stages[${stageIndex}].actions[${actionIndex}]`,
    })),
  );

  checkPipelineFields(pipeline, report);
  if (options.runtime === 'local') refuseArtifactStoreKey(pipeline, report);
  checkRegions(pipeline, placed, catalog, options, report);
  checkNames(pipeline, report);
  if (options.runtime === 'aws') checkStateMachineName(pipeline, report);
  checkStagePlacement(placed, report);
  for (const entry of placed) checkProvider(entry, catalog, options, report);
  checkArtifacts(placed, report);
  checkVariables(pipeline, placed, catalog, report);
  checkTriggers(pipeline, placed, report);
  checkConditions(pipeline, options, report);
  return problems;
}

export type Report = (path: string, rule: StructuralRule, message: string) => void;

function checkPipelineFields(pipeline: PipelineDeclaration, report: Report): void {
  if (pipeline.artifactStore && pipeline.artifactStores) {
    report(
      'artifactStores',
      'artifact-store-conflict',
      'Give artifactStore or artifactStores, not both: artifactStores is for pipelines with actions in several regions.',
    );
  }
  if ((pipeline.pipelineType ?? 'V1') === 'V1') {
    const v2Only: [keyof PipelineDeclaration, boolean][] = [
      ['variables', (pipeline.variables?.length ?? 0) > 0],
      ['triggers', (pipeline.triggers?.length ?? 0) > 0],
      ['executionMode', pipeline.executionMode === 'PARALLEL' || pipeline.executionMode === 'QUEUED'],
    ];
    for (const [field, used] of v2Only) {
      if (used) {
        const type = pipeline.pipelineType ? 'says V1' : 'has no pipelineType, so it is V1, as in CodePipeline';
        report(String(field), 'v2-only', `${String(field)} needs pipelineType V2; this pipeline ${type}. Add pipelineType: V2.`);
      }
    }
  }
  pipeline.stages.forEach((stage, index) => {
    const onFailure = stage.onFailure;
    if (onFailure?.retryConfiguration && onFailure.result !== 'RETRY') {
      report(`stages[${index}].onFailure.retryConfiguration`, 'retry-configuration', 'retryConfiguration applies only when onFailure.result is RETRY.');
    }
    // CodePipeline's model leaves retryMode optional, and its documentation names no default: a retry must say what it runs again.
    if (onFailure?.result === 'RETRY' && !onFailure.retryConfiguration?.retryMode) {
      report(
        `stages[${index}].onFailure.retryConfiguration.retryMode`,
        'retry-mode',
        'onFailure.result RETRY retries the stage by itself once: give retryConfiguration.retryMode, FAILED_ACTIONS (only the actions that did not succeed run again) or ALL_ACTIONS.',
      );
    }
    // A failure condition's result is ROLLBACK: its rules decide whether the failed stage rolls back,
    // and onFailure.result, if given, must be that rollback. CodePipeline documents no failure
    // condition that gates a retry, so a retry and a condition on one stage are refused.
    if (onFailure?.conditions && onFailure.result !== undefined && onFailure.result !== 'ROLLBACK') {
      report(
        `stages[${index}].onFailure.conditions`,
        'failure-condition-result',
        `A failure condition decides whether the failed stage rolls back, so onFailure.result must be ROLLBACK or left out beside it; not ${onFailure.result}.`,
      );
    }
    if (pipeline.executionMode === 'PARALLEL') {
      for (const path of rollbackResults(stage)) {
        report(
          `stages[${index}].${path}`,
          'parallel-rollback',
          'A PARALLEL pipeline cannot roll back a stage, as in CodePipeline: use another result, or executionMode QUEUED or SUPERSEDED.',
        );
      }
    }
  });
}

/**
 * A pipeline's artifact stores are its executions' buckets on both runtimes. Their KMS keys are
 * honoured on AWS only: the embedded S3 keeps no encryption, so locally a key would be ignored.
 */
function refuseArtifactStoreKey(pipeline: PipelineDeclaration, report: Report): void {
  const stores = [
    ['artifactStore', pipeline.artifactStore],
    ...Object.entries(pipeline.artifactStores ?? {}).map(([region, store]) => [`artifactStores.${region}`, store] as const),
  ] as const;
  for (const [path, store] of stores) {
    const key = store?.encryptionKey;
    if (!key) continue;
    report(
      `${path}.encryptionKey`,
      'artifact-store-runtime',
      `The embedded S3 on this machine keeps no encryption, so key "${key.id}" would not encrypt the artifacts. Remove encryptionKey, or run the pipeline on AWS.`,
    );
  }
}

/** Where `stage` asks for a rollback: its onFailure result, or a condition's result. */
function rollbackResults(stage: StageDeclaration): string[] {
  const conditions = (where: string, list: { result?: string }[] | undefined) =>
    (list ?? []).flatMap((condition, index) => (condition.result === 'ROLLBACK' ? [`${where}.conditions[${index}].result`] : []));
  return [
    ...(stage.onFailure?.result === 'ROLLBACK' ? ['onFailure.result'] : []),
    ...conditions('onFailure', stage.onFailure?.conditions),
    ...conditions('onSuccess', stage.onSuccess?.conditions),
    ...conditions('beforeEntry', stage.beforeEntry?.conditions),
  ];
}

export function firstDuplicates<T>(items: readonly T[], keyOf: (item: T) => string): Map<number, number> {
  const seen = new Map<string, number>();
  const duplicates = new Map<number, number>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else duplicates.set(index, first);
  });
  return duplicates;
}

function checkNames(pipeline: PipelineDeclaration, report: Report): void {
  for (const [index, first] of firstDuplicates(pipeline.stages, (stage) => stage.name)) {
    report(
      `stages[${index}].name`,
      'stage-name-unique',
      `Stage name "${pipeline.stages[index]!.name}" is already used by stages[${first}]; stage names must be unique.`,
    );
  }
  pipeline.stages.forEach((stage, stageIndex) => {
    for (const [index, first] of firstDuplicates(stage.actions, (action) => action.name)) {
      report(
        `stages[${stageIndex}].actions[${index}].name`,
        'action-name-unique',
        `Action name "${stage.actions[index]!.name}" is already used by actions[${first}] of this stage; action names must be unique within a stage.`,
      );
    }
  });
  for (const [index, first] of firstDuplicates(pipeline.variables ?? [], (variable) => variable.name)) {
    report(`variables[${index}].name`, 'variable-name-unique', `Variable "${pipeline.variables![index]!.name}" is already declared by variables[${first}].`);
  }
}

/**
 * On AWS a pipeline is a state machine named after it, which logs; Step Functions refuses such a
 * name with `.` or `@`, which CodePipeline allows. (A name too long is shortened with a hash.)
 */
function checkStateMachineName(pipeline: PipelineDeclaration, report: Report): void {
  if (!LOGGING_NAME_CHARACTERS.test(pipeline.name)) {
    report(
      'name',
      'aws-state-machine-name',
      `Pipeline name "${pipeline.name}" cannot name a state machine on AWS: Step Functions allows only letters, digits, - and _ in the name of a state machine that logs. Rename the pipeline.`,
    );
  }
}

function checkStagePlacement(placed: readonly PlacedAction[], report: Report): void {
  for (const { action, stageIndex, path } of placed) {
    const isSource = action.actionTypeId.category === 'Source';
    if (stageIndex === 0 && !isSource) {
      report(
        `${path}.actionTypeId.category`,
        'first-stage-sources-only',
        `The first stage may hold only Source actions; "${action.name}" is a ${action.actionTypeId.category} action. Move it to a later stage.`,
      );
    }
    if (stageIndex > 0 && isSource) {
      report(`${path}.actionTypeId.category`, 'source-in-first-stage', `Source action "${action.name}" must be in the first stage.`);
    }
  }
}

function describeProviders(specs: readonly ProviderSpec[]): string {
  return specs.map((spec) => `${spec.owner}/${spec.provider}`).join(', ') || 'none';
}

function checkProvider(entry: PlacedAction, catalog: ProviderCatalog, options: ValidateOptions, report: Report): void {
  const { action, path } = entry;
  const id = action.actionTypeId;
  const spec = catalog.get(providerKey(id));
  const notYet = PROVIDERS_NOT_YET_BUILT.find((entry) => providerKey(entry) === providerKey(id));
  if (!spec && notYet) {
    report(
      `${path}.actionTypeId.provider`,
      'provider-not-yet',
      `${id.category} provider ${id.owner}/${id.provider} (${notYet.title}) is not supported by Sluice yet: no runtime can run it. Run "sluice providers" for the providers there are.`,
    );
    return;
  }
  if (!spec) {
    const sameCategory = [...catalog.values()].filter((candidate) => candidate.category === id.category);
    report(
      `${path}.actionTypeId.provider`,
      'provider-unknown',
      `Unknown ${id.category} provider ${id.owner}/${id.provider}. Known ${id.category} providers: ${describeProviders(sameCategory)}. Run "sluice providers" for the list.`,
    );
    return;
  }
  if (id.version !== spec.version) {
    report(`${path}.actionTypeId.version`, 'provider-version', `${id.provider} has version ${spec.version}, not ${id.version}.`);
  }
  if (options.runtime && !spec.runtimes.includes(options.runtime)) {
    report(
      `${path}.actionTypeId.provider`,
      'provider-runtime',
      `${id.category} provider ${id.owner}/${id.provider} is not available on the ${options.runtime} runtime; ${
        spec.runtimes.length > 0 ? `it runs on: ${spec.runtimes.join(', ')}` : 'Sluice checks its declarations but runs it on no runtime yet'
      }.`,
    );
  }
  if (options.runtime === 'local' && options.awsCredentials === false && actionCallsAws(spec, action.configuration ?? {}, options)) {
    report(
      `${path}.actionTypeId.provider`,
      'aws-credentials',
      `Action "${action.name}" (${id.provider}) calls AWS ${spec.awsServices!.join(', ')}, and no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE. To deploy to moto_server or LocalStack instead of AWS, also set AWS_ENDPOINT_URL to its address.`,
    );
  }
  checkConfigurationKeys(path, spec, action.configuration ?? {}, report, { ...options, action });
  if (options.runtime) {
    checkKeysHonoured(path, spec, action.configuration ?? {}, options.runtime, report);
    for (const problem of actionRoleAndRegionProblems(action, spec, options.runtime)) report(`${path}.${problem.key}`, 'action-role-region', problem.message);
  }
  checkArtifactCount(`${path}.inputArtifacts`, 'input', action.inputArtifacts?.length ?? 0, spec, report);
  checkArtifactCount(`${path}.outputArtifacts`, 'output', action.outputArtifacts?.length ?? 0, spec, report);

  const isCommands = spec.outputVariables === 'declared';
  if (isCommands && !action.commands) {
    report(`${path}.commands`, 'commands-required', `${id.provider} needs a commands list.`);
  }
  if (!isCommands) {
    const commandsOnly: [string, unknown][] = [
      ['commands', action.commands],
      ['outputVariables', action.outputVariables],
      ...(action.outputArtifacts ?? []).map((artifact, index): [string, unknown] => [`outputArtifacts[${index}].files`, artifact.files]),
    ];
    for (const [field, value] of commandsOnly) {
      if (value !== undefined) {
        report(`${path}.${field}`, 'commands-only', `${field.replace(/\[\d+\]/, '[]')} belongs to Compute Commands actions; ${id.provider} does not use it.`);
      }
    }
  }
  (action.environmentVariables ?? []).forEach((variable, index) => {
    // CodeBuild, which runs Commands actions, keeps the prefix for its own variables and refuses the build.
    if (variable.name.startsWith(RESERVED_ENVIRONMENT_PREFIX)) {
      report(
        `${path}.environmentVariables[${index}].name`,
        'environment-variable-reserved',
        `Environment variable "${variable.name}" starts with ${RESERVED_ENVIRONMENT_PREFIX}, which CodeBuild keeps for its own variables; rename it.`,
      );
    }
  });
  for (const [index, first] of firstDuplicates(action.environmentVariables ?? [], (variable) => variable.name)) {
    report(
      `${path}.environmentVariables[${index}].name`,
      'environment-variable-unique',
      `Environment variable "${action.environmentVariables![index]!.name}" is already set by environmentVariables[${first}].`,
    );
  }
}

/** The configuration of an action or a rule against its provider's keys: required, known, and well-formed. */
export function checkConfigurationKeys(
  path: string,
  spec: Pick<ProviderSpec, 'provider' | 'configuration' | 'checkConfiguration'>,
  configuration: Readonly<Record<string, string>>,
  report: Report,
  where: ConfigurationContext = {},
): void {
  for (const key of spec.configuration) {
    if (key.required && configuration[key.name] === undefined) {
      report(`${path}.configuration.${key.name}`, 'configuration-required', `${spec.provider} needs configuration ${key.name}: ${key.description}`);
    }
  }
  const known = new Set(spec.configuration.map((key) => key.name));
  for (const key of Object.keys(configuration)) {
    if (!known.has(key)) {
      const names = [...known].join(', ') || 'none';
      report(`${path}.configuration.${key}`, 'configuration-unknown', `${spec.provider} has no configuration key "${key}". Known keys: ${names}.`);
    }
  }
  for (const problem of spec.checkConfiguration?.(configuration, where) ?? []) {
    report(`${path}.configuration.${problem.key}`, 'configuration-value', problem.message);
  }
}

/**
 * An action's `roleArn` and `region` where its provider calls no AWS service on `runtime`, so
 * that neither could apply. A provider that comes to honour them there drops that runtime from
 * its `runsWithoutAwsOn`.
 */
export function actionRoleAndRegionProblems(
  action: Pick<ActionDeclaration, 'roleArn' | 'region'>,
  spec: Pick<ProviderSpec, 'provider' | 'runsWithoutAwsOn'>,
  runtime: Runtime,
): ConfigurationProblem[] {
  if (!spec.runsWithoutAwsOn?.includes(runtime)) return [];
  const fields = [
    ['roleArn', action.roleArn, 'assumes no role for it: it runs with what Sluice runs with'],
    ['region', action.region, 'uses no region for it: it runs where Sluice runs'],
  ] as const;
  return fields.flatMap(([key, value, instead]) =>
    value === undefined ? [] : [{ key, message: `${spec.provider} calls no AWS service on the ${runtime} runtime, so Sluice ${instead}. Remove ${key}.` }],
  );
}

/** Refuses the configuration keys that `runtime` would not honour, rather than run the action without them. */
function checkKeysHonoured(path: string, spec: ProviderSpec, configuration: Readonly<Record<string, string>>, runtime: Runtime, report: Report): void {
  const notHonoured = spec.keysNotHonoured?.[runtime] ?? {};
  for (const key of Object.keys(configuration)) {
    const instead = notHonoured[key];
    if (instead !== undefined) {
      report(
        `${path}.configuration.${key}`,
        'configuration-runtime',
        `${spec.provider} on the ${runtime} runtime does not honour ${key}: ${instead} Remove ${key}.`,
      );
    }
  }
}

function checkArtifactCount(path: string, direction: 'input' | 'output', count: number, spec: ProviderSpec, report: Report): void {
  const { min, max } = direction === 'input' ? spec.inputArtifacts : spec.outputArtifacts;
  if (count >= min && count <= max) return;
  const allowed = min === max ? `exactly ${min}` : `${min} to ${max}`;
  report(
    path,
    `${direction}-artifact-count`,
    `${spec.category} ${spec.provider} takes ${allowed} ${direction} artifact${max === 1 ? '' : 's'}; this action has ${count}.`,
  );
}

function checkArtifacts(placed: readonly PlacedAction[], report: Report): void {
  const producers = new Map<string, PlacedAction>();
  for (const entry of placed) {
    entry.action.outputArtifacts?.forEach((artifact, index) => {
      const first = producers.get(artifact.name);
      if (first) {
        report(
          `${entry.path}.outputArtifacts[${index}].name`,
          'output-artifact-unique',
          `Output artifact "${artifact.name}" is already produced by ${first.path} ("${first.action.name}"); output artifact names must be unique in the pipeline.`,
        );
      } else producers.set(artifact.name, entry);
    });
  }
  for (const entry of placed) {
    const inputs = entry.action.inputArtifacts ?? [];
    for (const [index] of firstDuplicates(inputs, (artifact) => artifact.name)) {
      report(`${entry.path}.inputArtifacts[${index}].name`, 'input-artifact-unique', `Input artifact "${inputs[index]!.name}" is listed twice.`);
    }
    inputs.forEach((artifact, index) => {
      const path = `${entry.path}.inputArtifacts[${index}].name`;
      const producer = producers.get(artifact.name);
      if (!producer) {
        const names = [...producers.keys()].join(', ') || 'none';
        report(path, 'input-artifact-unknown', `No action produces an artifact named "${artifact.name}". Output artifacts in this pipeline: ${names}.`);
      } else if (!runsBefore(producer, entry)) {
        report(
          path,
          'input-artifact-order',
          `Artifact "${artifact.name}" is produced by "${producer.action.name}" (${producer.path}), which does not run before "${entry.action.name}". Give the producer a lower runOrder or an earlier stage.`,
        );
      }
    });
  }
}

function checkVariables(pipeline: PipelineDeclaration, placed: readonly PlacedAction[], catalog: ProviderCatalog, report: Report): void {
  const byNamespace = new Map<string, PlacedAction>();
  for (const entry of placed) {
    const namespace = entry.action.namespace;
    if (namespace === undefined) continue;
    const first = byNamespace.get(namespace);
    if ([EXECUTION_NAMESPACE, PIPELINE_VARIABLES_NAMESPACE].includes(namespace)) {
      report(`${entry.path}.namespace`, 'namespace-reserved', `Namespace "${namespace}" is reserved; choose another name.`);
    } else if (first) {
      report(
        `${entry.path}.namespace`,
        'namespace-unique',
        `Namespace "${namespace}" is already used by ${first.path} ("${first.action.name}"); namespaces must be unique in the pipeline.`,
      );
    } else byNamespace.set(namespace, entry);
  }
  const pipelineVariables = new Set((pipeline.variables ?? []).map((variable) => variable.name));

  for (const entry of placed) {
    for (const site of variableSites(entry.action)) {
      const path = `${entry.path}.${site.path}`;
      for (const reference of findVariableReferences(site.text)) {
        const { namespace, name, text } = reference;
        if (namespace === EXECUTION_NAMESPACE) {
          if (!(EXECUTION_VARIABLES as readonly string[]).includes(name)) {
            report(path, 'variable-unknown', `${text}: the ${EXECUTION_NAMESPACE} namespace has only ${EXECUTION_VARIABLES.join(', ')}.`);
          }
        } else if (namespace === PIPELINE_VARIABLES_NAMESPACE) {
          if (!pipelineVariables.has(name)) {
            const declared = [...pipelineVariables].join(', ') || 'none';
            report(path, 'variable-unknown', `${text}: the pipeline declares no variable "${name}". Declared variables: ${declared}.`);
          }
        } else {
          checkNamespaceReference(entry, path, reference, byNamespace.get(namespace), catalog, report, [...byNamespace.keys()]);
        }
      }
    }
  }
}

function checkNamespaceReference(
  entry: PlacedAction,
  path: string,
  { namespace, name, text }: { namespace: string; name: string; text: string },
  producer: PlacedAction | undefined,
  catalog: ProviderCatalog,
  report: Report,
  namespaces: string[],
): void {
  if (!producer) {
    report(path, 'namespace-unknown', `${text}: no action declares namespace "${namespace}". Declared namespaces: ${namespaces.join(', ') || 'none'}.`);
    return;
  }
  if (!runsBefore(producer, entry)) {
    report(
      path,
      'namespace-order',
      `${text}: namespace "${namespace}" belongs to "${producer.action.name}" (${producer.path}), which does not run before "${entry.action.name}".`,
    );
    return;
  }
  const spec = catalog.get(providerKey(producer.action.actionTypeId));
  if (!spec || spec.outputVariables === 'open') return;
  const exported = spec.outputVariables === 'declared' ? (producer.action.outputVariables ?? []) : spec.outputVariables;
  if (!exported.includes(name)) {
    report(path, 'variable-unknown', `${text}: "${producer.action.name}" exports no variable "${name}". It exports: ${exported.join(', ') || 'nothing'}.`);
  }
}

function checkTriggers(pipeline: PipelineDeclaration, placed: readonly PlacedAction[], report: Report): void {
  const sources = placed.filter((entry) => entry.stageIndex === 0);
  pipeline.triggers?.forEach((trigger, index) => {
    const name = trigger.gitConfiguration.sourceActionName;
    const path = `triggers[${index}].gitConfiguration.sourceActionName`;
    const source = sources.find((entry) => entry.action.name === name);
    if (!source) {
      const names = sources.map((entry) => entry.action.name).join(', ');
      const where = placed.some((entry) => entry.action.name === name) ? 'which is not in the first stage' : 'which does not exist';
      report(path, 'trigger-source-action', `Trigger names source action "${name}", ${where}. Source actions: ${names}.`);
    } else if (source.action.actionTypeId.provider !== 'CodeStarSourceConnection') {
      report(
        path,
        'trigger-source-action',
        `Triggers apply to CodeStarSourceConnection source actions; "${name}" uses ${source.action.actionTypeId.provider}.`,
      );
    }
    const git = trigger.gitConfiguration;
    if (!git.push && !git.pullRequest) {
      report(`triggers[${index}].gitConfiguration`, 'trigger-filter', 'A git trigger needs push or pullRequest filters.');
    }
  });
}
