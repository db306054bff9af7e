import type { State, StateMachineDefinition } from './asl';
import { FUNCTION_PLACEHOLDERS } from './compile';

/**
 * CloudFormation replaces every `${name}` in a state machine's DefinitionString through its
 * DefinitionSubstitutions, and also takes `${...}` naming a template parameter, a resource or an
 * attribute; it documents no escape for them. So the only `${` a definition deployed that way may
 * hold are the function placeholders that the compiler writes; a `${HOME}` in a command would be
 * substituted or fail the deploy.
 */
export interface SubstitutionProblem {
  stage: string | undefined;
  action: string | undefined;
  /** Where in the action's declaration (`commands[1]`, `configuration.EnvironmentVariables`), or in the state. */
  field: string;
  text: string;
}

const PLACEHOLDERS = new Set(Object.values(FUNCTION_PLACEHOLDERS));
const SUBSTITUTION = /\$\{[^}]*\}?/g;

/** Every string in the definition that holds a `${` CloudFormation would act on, once each, however many Tasks carry it. */
export function substitutionProblems(definition: StateMachineDefinition): SubstitutionProblem[] {
  const problems = new Map<string, SubstitutionProblem>();
  const visitMachine = (machine: StateMachineDefinition) => {
    for (const [name, state] of Object.entries(machine.States)) visitState(name, state);
  };
  const visitState = (name: string, state: State) => {
    if (state.Type === 'Parallel') {
      state.Branches.forEach(visitMachine);
      return;
    }
    if (state.Type !== 'Task') return;
    const payload = (state.Parameters.Payload ?? {}) as { stage?: string; action?: { name?: string } };
    const at = { stage: payload.stage, action: payload.action?.name };
    walkStrings(state.Parameters, '', (path, text) => {
      if (![...text.matchAll(SUBSTITUTION)].some(([match]) => !PLACEHOLDERS.has(match))) return;
      const inAction = path.startsWith('.Payload.action.');
      const problem = { ...at, field: inAction ? path.slice('.Payload.action.'.length) : `state "${name}" Parameters${path}`, text };
      problems.set(JSON.stringify(problem), problem);
    });
  };
  visitMachine(definition);
  return [...problems.values()];
}

/** A problem as one line, with what to write instead. */
export function formatSubstitutionProblem(pipeline: string, problem: SubstitutionProblem): string {
  const where = [`pipeline ${pipeline}`, problem.stage && `stage ${problem.stage}`, problem.action && `action ${problem.action}`, `field ${problem.field}`]
    .filter(Boolean)
    .join(', ');
  return `${where}: ${JSON.stringify(problem.text)} holds "\${", which CloudFormation's DefinitionSubstitutions would replace when the stack deploys. Write $NAME instead of \${NAME} in shell text, or register the pipeline at run time (create-pipeline --target aws), which is not deployed through CloudFormation.`;
}

function walkStrings(value: unknown, path: string, visit: (path: string, text: string) => void): void {
  if (typeof value === 'string') visit(path, value);
  else if (Array.isArray(value)) value.forEach((entry, index) => walkStrings(entry, `${path}[${index}]`, visit));
  else if (value !== null && typeof value === 'object') for (const [key, entry] of Object.entries(value)) walkStrings(entry, `${path}.${key}`, visit);
}
