import { BadInputError } from './errors';
import type { ActionDeclaration } from './declaration';

/** `#{Namespace.Name}`: CodePipeline's variable syntax. */
const REFERENCE = /#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_.]+)\}/g;

/** The namespace of pipeline-level variables: `#{variables.name}`. */
export const PIPELINE_VARIABLES_NAMESPACE = 'variables';
/** The namespace of execution variables: `#{codepipeline.PipelineExecutionId}`. */
export const EXECUTION_NAMESPACE = 'codepipeline';
export const EXECUTION_VARIABLES = ['PipelineExecutionId'] as const;

export interface VariableReference {
  namespace: string;
  name: string;
  text: string;
}

export function findVariableReferences(text: string): VariableReference[] {
  return [...text.matchAll(REFERENCE)].map(([match, namespace, name]) => ({
    namespace: namespace!,
    name: name!,
    text: match,
  }));
}

export interface VariableSite {
  /** The path of the field, relative to the action. */
  path: string;
  text: string;
}

/** The fields of an action in which variables are resolved before it runs. */
export function variableSites(action: ActionDeclaration): VariableSite[] {
  return [
    ...Object.entries(action.configuration ?? {}).map(([key, text]) => ({ path: `configuration.${key}`, text })),
    ...(action.commands ?? []).map((text, index) => ({ path: `commands[${index}]`, text })),
    ...(action.environmentVariables ?? []).map((variable, index) => ({
      path: `environmentVariables[${index}].value`,
      text: variable.value,
    })),
  ];
}

/** Resolved variable values, keyed `Namespace.Name`. */
export type VariableValues = ReadonlyMap<string, string>;

/**
 * Replaces every `#{Namespace.Name}` in `text`. A reference without a value is an error that
 * names it: validation catches most, but a CodeBuild action may not export what it promised.
 */
export function resolveVariables(text: string, values: VariableValues): string {
  return text.replace(REFERENCE, (match, namespace: string, name: string) => {
    const value = values.get(`${namespace}.${name}`);
    if (value === undefined) throw new UnresolvedVariableError(match);
    return value;
  });
}

export class UnresolvedVariableError extends BadInputError {
  constructor(readonly reference: string) {
    super(`${reference} has no value: the action that declares the namespace did not output "${reference.slice(2, -1).split('.').slice(1).join('.')}".`);
  }
}

/** The action with every variable in its configuration, commands and environment resolved. */
export function resolveAction(action: ActionDeclaration, values: VariableValues): ActionDeclaration {
  const resolve = (text: string) => resolveVariables(text, values);
  return {
    ...action,
    ...(action.configuration && {
      configuration: Object.fromEntries(Object.entries(action.configuration).map(([key, text]) => [key, resolve(text)])),
    }),
    ...(action.commands && { commands: action.commands.map(resolve) }),
    ...(action.environmentVariables && {
      environmentVariables: action.environmentVariables.map((variable) => ({ ...variable, value: resolve(variable.value) })),
    }),
  };
}
