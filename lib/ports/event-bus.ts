import type { EventPattern } from '../core/event-pattern';
import type { PipelineEvent } from '../core/events';

/** Where execution state changes go: EventBridge on AWS, an in-process bus locally. */
export interface EventBus {
  publish(event: PipelineEvent): Promise<void>;
}

/** Tells of each event as it is published, so that a caller can wait for the next one. */
export interface EventFeed {
  /** Returns a function that stops the calls. */
  subscribe(listener: (event: PipelineEvent) => void): () => void;
}

/** An EventBridge rule: the events that match `pattern` go to `target`. */
export interface EventRule {
  name: string;
  pattern: EventPattern;
  target: (event: PipelineEvent) => Promise<void>;
}

/**
 * A bus that delivers to rules itself. On AWS the deployment makes EventBridge rules instead; the
 * local bus matches the very same patterns.
 */
export interface RuleBus extends EventBus {
  /** Returns a function that removes the rule. */
  putRule(rule: EventRule): () => void;
}
