import type { State, StateMachineDefinition } from '../../lib/core/asl';

/** One step of a path through a definition: a Task state, or a Parallel with the paths of its branches. */
export type Step = { kind: 'task'; name: string } | { kind: 'parallel'; name: string; branches: Step[][] };

/** Follows the success path (Next, a Choice's Default, through Pass states) from StartAt to the end, descending into Parallel branches. */
export function successPath(definition: StateMachineDefinition): Step[] {
  const steps: Step[] = [];
  const seen = new Set<string>();
  let name: string | undefined = definition.StartAt;
  while (name !== undefined) {
    if (seen.has(name)) throw new Error(`loop at ${name}`);
    seen.add(name);
    const state: State | undefined = definition.States[name];
    if (!state) throw new Error(`Next points to missing state ${name}`);
    if (state.Type === 'Fail') throw new Error(`success path reaches Fail state ${name}`);
    if (state.Type === 'Choice') {
      // The way on when nothing failed.
      name = state.Default;
      continue;
    }
    if (state.Type === 'Pass') {
      // It only shapes the state (a runOrder group's branch input): no step of its own.
      name = state.End ? undefined : state.Next;
      continue;
    }
    steps.push(state.Type === 'Parallel' ? { kind: 'parallel', name, branches: state.Branches.map(successPath) } : { kind: 'task', name });
    name = state.End ? undefined : state.Next;
  }
  return steps;
}

/** Every state name in a definition, including those inside Parallel branches. */
export function allStates(definition: StateMachineDefinition): [string, State][] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...(state.Type === 'Parallel' ? state.Branches.flatMap(allStates) : []),
  ]);
}
