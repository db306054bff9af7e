import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError } from '../../core/errors';
import type { ArtifactLocation } from '../../core/task-payloads';
import type { ActionContext } from '../action-provider';

/** CloudFormation's limit on a template given in the request (TemplateBody) rather than by URL. */
const TEMPLATE_BODY_MAX_BYTES = 51_200;

/** What a stack operation takes from the action's configuration and its input artifacts. */
export interface StackInputs {
  templateBody?: string;
  parameters: { ParameterKey: string; ParameterValue: string }[];
  tags: { Key: string; Value: string }[];
  stackPolicyBody?: string;
}

/** A template configuration file, as CodePipeline documents it. */
interface TemplateConfiguration {
  Parameters?: Record<string, unknown>;
  Tags?: Record<string, unknown>;
  StackPolicy?: unknown;
}

/**
 * The action's input artifacts, each extracted once into the workspace when a file of it is first
 * read: TemplatePath, TemplateConfiguration and Fn::GetParam name files as `ArtifactName::path`.
 */
export class InputArtifacts {
  private readonly extracted = new Map<string, Promise<string>>();

  constructor(private readonly context: ActionContext) {}

  location(artifactName: string): ArtifactLocation {
    const input = this.context.inputArtifacts.find((artifact) => artifact.name === artifactName);
    if (!input) {
      const names = this.context.inputArtifacts.map((artifact) => artifact.name).join(', ') || 'none';
      throw new BadInputError(`Input artifact "${artifactName}" is not an input of this action (its inputs: ${names}).`);
    }
    return input.location;
  }

  /** The text of `file` in artifact `artifactName`. */
  async read(artifactName: string, file: string): Promise<string> {
    const directory = await this.directory(artifactName);
    const resolved = path.resolve(directory, file);
    if (!resolved.startsWith(directory + path.sep)) throw new BadInputError(`"${file}" is not a path inside artifact ${artifactName}.`);
    try {
      return await readFile(resolved, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new BadInputError(`Artifact ${artifactName} has no file ${file}.`);
      throw error;
    }
  }

  /** The text of the file that `reference`, `ArtifactName::path`, names; `key` says which configuration key gave it. */
  readReference(key: string, reference: string): Promise<string> {
    const separator = reference.indexOf('::');
    if (separator <= 0 || separator + 2 >= reference.length) throw new BadInputError(`${key} must be ArtifactName::path, not "${reference}".`);
    return this.read(reference.slice(0, separator), reference.slice(separator + 2));
  }

  private directory(artifactName: string): Promise<string> {
    let directory = this.extracted.get(artifactName);
    if (!directory) {
      const target = path.resolve(this.context.workspace, 'inputs', artifactName);
      directory = this.context.artifacts.fetchArtifact(this.location(artifactName), target).then(() => target);
      this.extracted.set(artifactName, directory);
    }
    return directory;
  }
}

/** `ArtifactName::path` of a configuration key, checked for its form only. */
export function referenceProblem(key: string, reference: string | undefined): string | undefined {
  if (reference === undefined || reference.includes('#{')) return undefined;
  const separator = reference.indexOf('::');
  return separator <= 0 || separator + 2 >= reference.length ? `${key} must be ArtifactName::path, not "${reference}".` : undefined;
}

function parseJsonObject(what: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${what} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadInputError(`${what} must be a JSON object.`);
  return parsed as Record<string, unknown>;
}

/** Why ParameterOverrides is not a JSON object, if it is not; values with variables are checked at run time. */
export function parameterOverridesProblem(text: string | undefined): string | undefined {
  if (text === undefined || text.includes('#{')) return undefined;
  try {
    parseJsonObject('ParameterOverrides', text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function scalar(what: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new BadInputError(`${what} must be a string, a number or a boolean, not ${JSON.stringify(value)}.`);
}

function stringArguments(name: string, value: unknown, count: number): string[] {
  if (!Array.isArray(value) || value.length !== count || value.some((item) => typeof item !== 'string')) {
    throw new BadInputError(`${name} takes a list of ${count} strings, not ${JSON.stringify(value)}.`);
  }
  return value as string[];
}

/**
 * A parameter override's value: a plain value, or one of CodePipeline's two functions.
 * Fn::GetArtifactAtt gives an input artifact's BucketName, ObjectKey or URL; Fn::GetParam a key's
 * value in a JSON file of an input artifact.
 */
async function overrideValue(parameter: string, value: unknown, inputs: InputArtifacts, region: string): Promise<string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return scalar(`ParameterOverrides.${parameter}`, value);
  const [name, ...others] = Object.keys(value);
  const argument = (value as Record<string, unknown>)[name!];
  if (others.length === 0 && name === 'Fn::GetArtifactAtt') {
    const [artifactName, attribute] = stringArguments(name, argument, 2) as [string, string];
    const location = inputs.location(artifactName);
    if (attribute === 'BucketName') return location.bucketName;
    if (attribute === 'ObjectKey') return location.objectKey;
    if (attribute === 'URL') return `https://s3.${region}.amazonaws.com/${location.bucketName}/${location.objectKey}`;
    throw new BadInputError(`Fn::GetArtifactAtt gives an artifact's BucketName, ObjectKey or URL, not "${attribute}".`);
  }
  if (others.length === 0 && name === 'Fn::GetParam') {
    const [artifactName, file, key] = stringArguments(name, argument, 3) as [string, string, string];
    const values = parseJsonObject(`${file} in artifact ${artifactName}`, await inputs.read(artifactName, file));
    if (!(key in values)) throw new BadInputError(`${file} in artifact ${artifactName} has no key "${key}" for parameter ${parameter}.`);
    return scalar(`${key} in ${file}`, values[key]);
  }
  throw new BadInputError(`ParameterOverrides.${parameter} must be a value, Fn::GetArtifactAtt or Fn::GetParam, not ${JSON.stringify(value)}.`);
}

function keyValues(what: string, values: Record<string, unknown> | undefined): [string, string][] {
  return Object.entries(values ?? {}).map(([key, value]) => [key, scalar(`${what}.${key}`, value)]);
}

/**
 * What the stack operation takes: the template at TemplatePath, the parameters of
 * TemplateConfiguration with ParameterOverrides over them, and its tags and stack policy.
 */
export async function stackInputs(configuration: Readonly<Record<string, string>>, inputs: InputArtifacts, region: string): Promise<StackInputs> {
  const templateConfiguration: TemplateConfiguration = configuration.TemplateConfiguration
    ? parseJsonObject('TemplateConfiguration', await inputs.readReference('TemplateConfiguration', configuration.TemplateConfiguration))
    : {};
  const parameters = new Map(keyValues('TemplateConfiguration Parameters', templateConfiguration.Parameters));
  const overrides = configuration.ParameterOverrides ? parseJsonObject('ParameterOverrides', configuration.ParameterOverrides) : {};
  for (const [parameter, value] of Object.entries(overrides)) parameters.set(parameter, await overrideValue(parameter, value, inputs, region));

  let templateBody: string | undefined;
  if (configuration.TemplatePath) {
    templateBody = await inputs.readReference('TemplatePath', configuration.TemplatePath);
    if (Buffer.byteLength(templateBody) > TEMPLATE_BODY_MAX_BYTES) {
      throw new BadInputError(
        `The template at ${configuration.TemplatePath} is larger than ${TEMPLATE_BODY_MAX_BYTES} bytes, the most Sluice passes to CloudFormation.`,
      );
    }
  }
  return {
    templateBody,
    parameters: [...parameters].map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    tags: keyValues('TemplateConfiguration Tags', templateConfiguration.Tags as Record<string, unknown>).map(([Key, Value]) => ({ Key, Value })),
    stackPolicyBody: templateConfiguration.StackPolicy === undefined ? undefined : JSON.stringify(templateConfiguration.StackPolicy),
  };
}
