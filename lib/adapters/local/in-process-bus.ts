import { matchesEventPattern } from '../../core/event-pattern';
import type { PipelineEvent } from '../../core/events';
import type { EventRule, RuleBus } from '../../ports/event-bus';

export type EventListener = (event: PipelineEvent) => void | Promise<void>;

/**
 * The local event bus: every published event reaches every subscriber, in order, and the target of
 * every rule whose pattern it matches. Publishing waits for them, so a local run does not end
 * before its notifications are out; a target that must not fail the publisher catches its own errors.
 */
export class InProcessBus implements RuleBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  putRule(rule: EventRule): () => void {
    return this.subscribe(async (event) => {
      if (matchesEventPattern(rule.pattern, event)) await rule.target(event);
    });
  }

  async publish(event: PipelineEvent): Promise<void> {
    for (const listener of this.listeners) await listener(event);
  }
}
