import type { PipelineEvent } from '../core/events';
import { DynamoDbExecutionStore } from '../adapters/aws/dynamodb-execution-store';

/**
 * The local installation's execution store. The bus's events are recorded behind their publishers,
 * one after another in the order published, as the event recorder on AWS records them after
 * EventBridge has taken them: a run does not wait for its records. A read of the events, and the
 * deletion of an execution, wait for the records queued before them; the installation waits for
 * them all before it closes.
 */
export class LocalExecutionStore extends DynamoDbExecutionStore {
  private recorded: Promise<void> = Promise.resolve();

  /** Queues the event's record; `failed` is told of a record that could not be written. */
  recordBehind(event: PipelineEvent, failed: (event: PipelineEvent, error: unknown) => void): void {
    this.recorded = this.recorded.then(() => this.recordEvent(event)).catch((error: unknown) => failed(event, error));
  }

  /** Settles once every event queued so far is recorded, or its failure told. */
  eventsRecorded(): Promise<void> {
    return this.recorded;
  }

  override async listEvents(executionId: string, after?: number): Promise<PipelineEvent[]> {
    await this.recorded;
    return super.listEvents(executionId, after);
  }

  override async deleteExecution(id: string): Promise<void> {
    await this.recorded;
    return super.deleteExecution(id);
  }
}
