import type { ActionCostProfile } from '../core/providers';
import type { ActionContext, ActionInProgress } from './action-provider';

/** A polling provider's state between its runs: what it started, and how often it has looked since. */
export interface PollingState {
  polls: number;
}

/** Seconds before each look: soon at first, so that quick work ends quickly (locally, above all), then every 10 seconds. */
const LOOK_AFTER = [1, 2, 5];

/** The seconds the look after `polls` earlier looks waits. */
export function secondsBeforeLook(polls: number): number {
  return LOOK_AFTER[polls] ?? 10;
}

/**
 * The cost profile of a polling provider whose work typically takes `typicalMinutes`: its first
 * run starts the work in `runnerMs`, then it looks, each look a run of `lookMs` after a Wait of
 * this schedule, until the waits add up to that time.
 */
export function pollingCost(work: { runnerMs: number; lookMs: number; typicalMinutes: number }): Extract<ActionCostProfile, { pricedAs: 'polling' }> {
  let looks = 0;
  for (let waited = 0; waited < work.typicalMinutes * 60; looks += 1) waited += secondsBeforeLook(looks);
  return { pricedAs: 'polling', ...work, looks };
}

/** The answer of a run that found the work still going: look again later, with `state` handed to that run. */
export function lookAgain<S extends PollingState>(state: S): ActionInProgress {
  return { inProgress: { state: JSON.stringify({ ...state, polls: state.polls + 1 }), afterSeconds: secondsBeforeLook(state.polls) } };
}

/** What the previous run of this action left for this one; none on the first run, which starts the work. */
export function continued<S extends PollingState>(context: ActionContext): S | undefined {
  return context.continuation === undefined ? undefined : (JSON.parse(context.continuation) as S);
}
