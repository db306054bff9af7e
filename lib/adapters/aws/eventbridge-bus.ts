import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { AUDIT_DETAIL_TYPE, type AuditRecord } from '../../core/audit';
import { EventNotPublishedError } from '../../core/errors';
import { EVENT_SOURCE, type PipelineEvent } from '../../core/events';
import type { AuditEvents } from '../../ports/audit-log';
import type { EventBus } from '../../ports/event-bus';
import { withAccessExplained, type AccessDeniedOptions } from './access-denied';

/**
 * EventBridge gives every entry an id of its own and keeps its time to the second only. The
 * event's own id and millisecond time travel in its detail, under this field, so that the
 * functions the bus delivers to see the event Sluice published.
 */
export const PUBLISHED_AS = 'sluice-event';

/** A pipeline event as the bus delivers it, with the id and time it was published with. */
export function publishedEvent(delivered: { id: string; time: string; detail: unknown }): PipelineEvent {
  const { [PUBLISHED_AS]: published, ...detail } = delivered.detail as Record<string, unknown> & { [PUBLISHED_AS]?: { id: string; time: string } };
  return { ...delivered, ...published, detail } as unknown as PipelineEvent;
}

/** Pipeline events, and the audit trail's records, on a custom EventBridge bus, where the deployment's rules route them. */
export class EventBridgeBus implements EventBus, AuditEvents {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly options: AccessDeniedOptions = {},
  ) {}

  async publish(event: PipelineEvent): Promise<void> {
    await this.put({
      Source: event.source,
      DetailType: event['detail-type'],
      Detail: JSON.stringify({ ...event.detail, [PUBLISHED_AS]: { id: event.id, time: event.time } }),
      Time: new Date(event.time),
      Resources: event.resources,
    });
  }

  /** A control operation, from Sluice's source with its own detail-type: the event recorder's rule, which takes pipeline events only, leaves it. */
  async publishAuditRecord(record: AuditRecord): Promise<void> {
    await this.put({ Source: EVENT_SOURCE, DetailType: AUDIT_DETAIL_TYPE, Detail: JSON.stringify(record), Time: new Date(record.time) });
  }

  private async put(event: Omit<PutEventsRequestEntry, 'EventBusName'> & { DetailType: string }): Promise<void> {
    const access = {
      action: 'events:PutEvents',
      resource: this.eventBusName.startsWith('arn:') ? this.eventBusName : `event-bus/${this.eventBusName}`,
      role: this.options.roleName,
    };
    const result = await withAccessExplained(access, () =>
      this.client.send(new PutEventsCommand({ Entries: [{ EventBusName: this.eventBusName, ...event }] })),
    );
    // PutEvents answers 200 even when it drops an entry; only the per-entry result tells.
    if ((result.FailedEntryCount ?? 0) > 0) {
      const failed = result.Entries?.find((each) => each.ErrorCode);
      const reason = failed?.ErrorMessage ? `${failed.ErrorCode}: ${failed.ErrorMessage}` : (failed?.ErrorCode ?? 'no error code given');
      throw new EventNotPublishedError(event.DetailType, this.eventBusName, reason);
    }
  }
}
