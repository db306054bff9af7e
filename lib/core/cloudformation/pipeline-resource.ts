import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { TemplateResolver, type ResolveOptions, type TemplateProblem } from './intrinsics';
import { PIPELINE_TYPE, PROJECT_TYPE, resourcesOfType, ROLE_TYPE, type CloudFormationTemplate } from './template';

export interface TemplatePipelineOptions extends ResolveOptions {
  /** The logical id of the pipeline to read; needed when the template declares more than one. */
  resource?: string;
  /**
   * Why an action's role, which the template itself creates, is left out, or undefined to keep
   * it: locally such a role does not exist, as it is made only when the stack is deployed; on AWS
   * Sluice assumes no role for an action that calls no AWS. Each role left out is noted.
   */
  leaveOutTemplateRole?: (templateActionTypeId: Record<string, unknown>) => string | undefined;
}

/** A pipeline read from a template: the declaration to validate, and what the template adds around it. */
export interface TemplatePipeline {
  ok: true;
  logicalId: string;
  /** The declaration in the API's shape, not yet validated. */
  declaration: Record<string, unknown>;
  /** Where in the template a place of the declaration comes from: `stages[1].actions[0]` → `Resources.P.Properties.Stages[1].Actions[0]`. */
  templatePath(declarationPath: string): string;
  /** What was made up or left out, for the user to read. */
  notes: string[];
  tags: { key: string; value: string }[];
  /** Whether the template asks for an execution each time the pipeline is updated. */
  restartExecutionOnUpdate: boolean;
}

export type TemplatePipelineResult = TemplatePipeline | { ok: false; problems: TemplateProblem[] };

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The properties of AWS::CodePipeline::Pipeline that are not fields of the declaration, read here instead. */
const TEMPLATE_ONLY = new Set(['Name', 'Tags', 'RestartExecutionOnUpdate', 'DisableInboundStageTransitions', 'ArtifactStores']);

/**
 * The pipeline declared by a template's AWS::CodePipeline::Pipeline resource, in the API's shape:
 * intrinsics resolved, PascalCase properties turned into the API's fields, and CodeBuild projects
 * of the same template folded into the actions that build with them.
 */
export function pipelineFromTemplate(template: CloudFormationTemplate, options: TemplatePipelineOptions): TemplatePipelineResult {
  const picked = pickPipeline(template, options.resource);
  if ('problem' in picked) return { ok: false, problems: [picked.problem] };
  const { logicalId } = picked;
  const base = `Resources.${logicalId}.Properties`;
  const resolver = new TemplateResolver(template, options);
  const notes: string[] = [];
  const raw = { ...(template.Resources[logicalId]!.Properties ?? {}) };

  const resource = template.Resources[logicalId]!;
  if (resource.Condition !== undefined && resolver.condition(resource.Condition, `Resources.${logicalId}.Condition`) === false) {
    return { ok: false, problems: [{ path: `Resources.${logicalId}`, message: `${logicalId} is not created: its condition ${resource.Condition} is false.` }] };
  }
  if (options.leaveOutTemplateRole) raw.Stages = withoutTemplateRoles(template, raw.Stages, `${base}.Stages`, options.leaveOutTemplateRole, notes);

  const properties = resolver.resolve(raw, base) as Record<string, unknown>;
  const problems: TemplateProblem[] = [];
  if (Array.isArray(properties.DisableInboundStageTransitions) && properties.DisableInboundStageTransitions.length > 0) {
    problems.push({
      path: `${base}.DisableInboundStageTransitions`,
      message:
        'Sluice does not disable transitions from a template. Remove DisableInboundStageTransitions, and disable them with `sluice transitions disable` once the pipeline is created.',
    });
  }

  const paths = new Map<string, string>();
  const declaration = toDeclaration(properties, base, '', paths) as Record<string, unknown>;
  for (const key of TEMPLATE_ONLY) delete declaration[camel(key)];
  declaration.name = resolver.physicalName(logicalId, `${base}.Name`);
  paths.set('name', `${base}.Name`);
  if (Array.isArray(properties.ArtifactStores)) declaration.artifactStores = artifactStoresOf(properties.ArtifactStores, `${base}.ArtifactStores`, paths);
  foldProjects(template, resolver, raw, declaration, notes);

  for (const [id, name] of resolver.generatedNames) {
    notes.push(`Resources.${id} is given no name, so Sluice names it as CloudFormation would: ${name}.`);
  }
  problems.push(...resolver.problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    logicalId,
    declaration,
    templatePath: (declarationPath) => templatePathOf(paths, declarationPath, base),
    notes,
    tags: tagsOf(properties.Tags),
    restartExecutionOnUpdate: properties.RestartExecutionOnUpdate === true || properties.RestartExecutionOnUpdate === 'true',
  };
}

function pickPipeline(template: CloudFormationTemplate, resource: string | undefined): { logicalId: string } | { problem: TemplateProblem } {
  const pipelines = resourcesOfType(template, PIPELINE_TYPE);
  const listed = pipelines.join(', ');
  if (resource !== undefined) {
    if (pipelines.includes(resource)) return { logicalId: resource };
    const what = template.Resources[resource] ? `is a ${template.Resources[resource].Type}` : 'is no resource of the template';
    return { problem: { path: 'Resources', message: `--resource ${resource} ${what}; the template's pipelines are: ${listed || 'none'}.` } };
  }
  if (pipelines.length === 1) return { logicalId: pipelines[0]! };
  return {
    problem:
      pipelines.length === 0
        ? { path: 'Resources', message: `The template declares no ${PIPELINE_TYPE}.` }
        : { path: 'Resources', message: `The template declares ${pipelines.length} pipelines: ${listed}. Pick one with --resource <LogicalId>.` },
  };
}

/** The logical ids that a template value refers to, through Ref, Fn::GetAtt and Fn::Sub. */
function referencedResources(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedResources);
  if (!isObject(value)) return [];
  const ids: string[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'Ref' && typeof inner === 'string') ids.push(inner);
    else if (key === 'Fn::GetAtt') ids.push(String(Array.isArray(inner) ? inner[0] : String(inner).split('.')[0]));
    else if (key === 'Fn::Sub') {
      const text = Array.isArray(inner) ? inner[0] : inner;
      if (typeof text === 'string') for (const match of text.matchAll(/\$\{([^!}][^}.]*)/g)) ids.push(match[1]!.trim());
      if (Array.isArray(inner)) ids.push(...referencedResources(inner[1]));
    } else ids.push(...referencedResources(inner));
  }
  return ids;
}

/** The stages without the action roles that the template creates and `leaveOut` gives a reason for, and a note for each. */
function withoutTemplateRoles(
  template: CloudFormationTemplate,
  stages: unknown,
  path: string,
  leaveOut: NonNullable<TemplatePipelineOptions['leaveOutTemplateRole']>,
  notes: string[],
): unknown {
  if (!Array.isArray(stages)) return stages;
  return stages.map((stage, stageIndex) => {
    if (!isObject(stage) || !Array.isArray(stage.Actions)) return stage;
    const actions = stage.Actions.map((action, actionIndex) => {
      if (!isObject(action) || action.RoleArn === undefined) return action;
      const role = referencedResources(action.RoleArn).find((id) => template.Resources[id]?.Type === ROLE_TYPE);
      const reason = role && leaveOut(isObject(action.ActionTypeId) ? action.ActionTypeId : {});
      if (!reason) return action;
      notes.push(`${path}[${stageIndex}].Actions[${actionIndex}].RoleArn: the template creates the role ${role}; ${reason}, so it is left out.`);
      const { RoleArn: _left, ...rest } = action;
      return rest;
    });
    return { ...stage, Actions: actions };
  });
}

const camel = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);

/**
 * A resolved template value in the declaration's shape: every object key in camelCase but those of
 * an action's or rule's Configuration, whose values become strings as CloudFormation passes them.
 * Records where each place of the declaration came from.
 */
function toDeclaration(value: unknown, templatePath: string, declarationPath: string, paths: Map<string, string>): unknown {
  paths.set(declarationPath, templatePath);
  if (Array.isArray(value)) return value.map((item, index) => toDeclaration(item, `${templatePath}[${index}]`, `${declarationPath}[${index}]`, paths));
  if (!isObject(value)) return value;
  const converted: Record<string, unknown> = {};
  const under = (name: string) => (declarationPath === '' ? name : `${declarationPath}.${name}`);
  for (const [key, item] of Object.entries(value)) {
    if (key === 'Configuration' && isObject(item)) {
      paths.set(under('configuration'), `${templatePath}.Configuration`);
      converted.configuration = Object.fromEntries(
        Object.entries(item).map(([name, setting]) => {
          paths.set(under(`configuration.${name}`), `${templatePath}.Configuration.${name}`);
          return [name, typeof setting === 'number' || typeof setting === 'boolean' ? String(setting) : setting];
        }),
      );
    } else {
      converted[camel(key)] = toDeclaration(item, `${templatePath}.${key}`, under(camel(key)), paths);
    }
  }
  return converted;
}

/** ArtifactStores, a list of {Region, ArtifactStore} in templates, as the API's map from region to store. */
function artifactStoresOf(stores: unknown[], path: string, paths: Map<string, string>): Record<string, unknown> {
  const byRegion: Record<string, unknown> = {};
  stores.forEach((entry, index) => {
    if (!isObject(entry)) return;
    const region = String(entry.Region);
    byRegion[region] = toDeclaration(entry.ArtifactStore, `${path}[${index}].ArtifactStore`, `artifactStores.${region}`, paths);
  });
  return byRegion;
}

function tagsOf(tags: unknown): { key: string; value: string }[] {
  if (!Array.isArray(tags)) return [];
  return tags.filter(isObject).map((tag) => ({ key: String(tag.Key), value: String(tag.Value) }));
}

/** The template path of a declaration path: that of its longest recorded prefix, with the rest in PascalCase. */
function templatePathOf(paths: Map<string, string>, declarationPath: string, base: string): string {
  let prefix = declarationPath;
  while (prefix !== '' && !paths.has(prefix)) prefix = prefix.replace(/(\.[^.[]*|\[\d+\])$/, '');
  const rest = declarationPath.slice(prefix.length).replace(/(^|\.)([a-z])/g, (_whole, dot: string, letter: string) => `${dot}${letter.toUpperCase()}`);
  const start = paths.get(prefix) ?? base;
  return rest.startsWith('[') || rest === '' ? `${start}${rest}` : `${start}${rest.startsWith('.') ? '' : '.'}${rest}`;
}

/** What a CodeBuild project of the template gives the actions that build with it. */
interface ProjectSettings {
  logicalId: string;
  buildspec?: string;
  environmentVariables: { name: string; value: string; type: string }[];
  timeoutInMinutes?: number;
}

/** What CodeBuild takes from project `logicalId`: only the properties it folds are resolved. */
function projectSettings(template: CloudFormationTemplate, resolver: TemplateResolver, logicalId: string): ProjectSettings {
  const path = `Resources.${logicalId}.Properties`;
  const properties = template.Resources[logicalId]!.Properties ?? {};
  const source = isObject(properties.Source) ? properties.Source : {};
  const environment = isObject(properties.Environment) ? properties.Environment : {};
  const buildspec = resolver.resolve(source.BuildSpec, `${path}.Source.BuildSpec`);
  const variables = resolver.resolve(environment.EnvironmentVariables ?? [], `${path}.Environment.EnvironmentVariables`);
  const timeout = resolver.resolve(properties.TimeoutInMinutes, `${path}.TimeoutInMinutes`);
  return {
    logicalId,
    ...(typeof buildspec === 'string' ? { buildspec } : {}),
    environmentVariables: (Array.isArray(variables) ? variables.filter(isObject) : []).map((variable) => ({
      name: String(variable.Name),
      value: String(variable.Value),
      type: typeof variable.Type === 'string' ? variable.Type : 'PLAINTEXT',
    })),
    ...(timeout === undefined ? {} : { timeoutInMinutes: Number(timeout) }),
  };
}

/**
 * The template's CodeBuild projects that the pipeline may build with, by the name they are created
 * with: those it refers to, and those named outright (which an action may name as text).
 */
function projectsByName(template: CloudFormationTemplate, resolver: TemplateResolver, pipelineProperties: unknown): Map<string, string> {
  const referenced = new Set(referencedResources(pipelineProperties));
  const projects = new Map<string, string>();
  for (const logicalId of resourcesOfType(template, PROJECT_TYPE)) {
    if (!referenced.has(logicalId) && template.Resources[logicalId]!.Properties?.Name === undefined) continue;
    const name = resolver.physicalName(logicalId, `Resources.${logicalId}.Properties.Name`);
    if (name !== undefined) projects.set(name, logicalId);
  }
  return projects;
}

/**
 * An inline buildspec as the BuildSpec setting reads one: YAML over several lines. CDK writes a
 * project's buildspec as JSON, which may fit on one line and would then read as a file's path.
 */
function buildspecSetting(buildspec: string): string {
  if (buildspec.includes('\n')) return buildspec;
  try {
    const parsed: unknown = parseYaml(buildspec);
    return isObject(parsed) ? stringifyYaml(parsed) : buildspec;
  } catch {
    return buildspec;
  }
}

/** The action's EnvironmentVariables over the project's, as CodePipeline overrides a project's variables by name. */
function mergedVariables(project: ProjectSettings, actionVariables: string | undefined): string | undefined {
  if (actionVariables === undefined) return project.environmentVariables.length > 0 ? JSON.stringify(project.environmentVariables) : undefined;
  let overrides: unknown;
  try {
    overrides = JSON.parse(actionVariables);
  } catch {
    // Validation reports the action's own text.
    return actionVariables;
  }
  if (!Array.isArray(overrides)) return actionVariables;
  const named = new Set(overrides.filter(isObject).map((variable) => variable.name));
  return JSON.stringify([...project.environmentVariables.filter((variable) => !named.has(variable.name)), ...overrides]);
}

/**
 * Gives each CodeBuild action whose project the template declares what CodeBuild would take from
 * the project: its buildspec (unless the action sets BuildSpec), its environment variables (under
 * the action's own), and its timeout (unless the action sets one).
 */
function foldProjects(
  template: CloudFormationTemplate,
  resolver: TemplateResolver,
  pipelineProperties: unknown,
  declaration: Record<string, unknown>,
  notes: string[],
): void {
  const projects = projectsByName(template, resolver, pipelineProperties);
  if (projects.size === 0 || !Array.isArray(declaration.stages)) return;
  for (const stage of declaration.stages.filter(isObject)) {
    for (const action of (Array.isArray(stage.actions) ? stage.actions : []).filter(isObject)) {
      const type = isObject(action.actionTypeId) ? action.actionTypeId : {};
      const configuration = isObject(action.configuration) ? (action.configuration as Record<string, string | undefined>) : undefined;
      if (type.owner !== 'AWS' || type.provider !== 'CodeBuild' || !configuration) continue;
      const logicalId = projects.get(configuration.ProjectName ?? '');
      if (!logicalId) continue;
      const project = projectSettings(template, resolver, logicalId);
      if (configuration.BuildSpec === undefined && project.buildspec !== undefined) configuration.BuildSpec = buildspecSetting(project.buildspec);
      const variables = mergedVariables(project, configuration.EnvironmentVariables);
      if (variables !== undefined) configuration.EnvironmentVariables = variables;
      if (action.timeoutInMinutes === undefined && project.timeoutInMinutes !== undefined) action.timeoutInMinutes = project.timeoutInMinutes;
      notes.push(`Action ${String(action.name)} builds with ${project.logicalId} of the template: its buildspec, environment variables and timeout apply.`);
    }
  }
}
