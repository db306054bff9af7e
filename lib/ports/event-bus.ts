import type { PipelineEvent } from '../core/events';

/** Where execution state changes go: EventBridge on AWS, an in-process bus locally. */
export interface EventBus {
  publish(event: PipelineEvent): Promise<void>;
}
