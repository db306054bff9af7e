import type { ActionContext, ActionInProgress } from './action-provider';

/** A polling provider's state between its runs: what it started, and how often it has looked since. */
export interface PollingState {
  polls: number;
}

/** Seconds before each look: soon at first, so that quick work ends quickly (locally, above all), then every 10 seconds. */
const LOOK_AFTER = [1, 2, 5];

/** The answer of a run that found the work still going: look again later, with `state` handed to that run. */
export function lookAgain<S extends PollingState>(state: S): ActionInProgress {
  return { inProgress: { state: JSON.stringify({ ...state, polls: state.polls + 1 }), afterSeconds: LOOK_AFTER[state.polls] ?? 10 } };
}

/** What the previous run of this action left for this one; none on the first run, which starts the work. */
export function continued<S extends PollingState>(context: ActionContext): S | undefined {
  return context.continuation === undefined ? undefined : (JSON.parse(context.continuation) as S);
}
