import type { PipelineEvent } from '../../core/events';
import type { EventBus } from '../../ports/event-bus';

export type EventListener = (event: PipelineEvent) => void | Promise<void>;

/** The local event bus: every published event reaches every subscriber, in order. */
export class InProcessBus implements EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(event: PipelineEvent): Promise<void> {
    for (const listener of this.listeners) await listener(event);
  }
}
