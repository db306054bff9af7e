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
