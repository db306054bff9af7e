import { randomUUID } from 'node:crypto';
import { DETAIL_TYPES, pipelineEvent, type PipelineEvent } from '../../lib/core/events';
import type { ExecutionStore } from '../../lib/ports/execution-store';

/** Two stores on one table, as two Lambda containers have, and a third that reads. */
export interface EventLogStores {
  writers: [ExecutionStore, ExecutionStore];
  reader: ExecutionStore;
}

/** A stage event of `executionId` at `time`; `time` may repeat, ids never do. */
export function stageEvent(executionId: string, stage: string, time: string): PipelineEvent {
  return pipelineEvent(
    DETAIL_TYPES.stage,
    { pipeline: 'webapp', version: 1, 'execution-id': executionId, stage, state: 'STARTED' },
    {
      id: randomUUID(),
      time,
      pipelineArn: 'arn:aws:codepipeline:us-east-1:123456789012:webapp',
      startTime: time,
    },
  );
}

/**
 * The event log's promises, against whichever DynamoDB `stores` speak to: what two containers
 * record in one second is all kept, whatever order they write in, and a follower that asks for
 * the events after those it has seen gets each one exactly once.
 */
export function describeEventLog(stores: () => EventLogStores): void {
  it('keeps the events that two writers record in the same millisecond, later ones first, and a follower reading between the writes sees each once', async () => {
    const { writers, reader } = stores();
    const executionId = randomUUID();
    const earlier = stageEvent(executionId, 'Source', '2026-01-01T12:00:00.100Z');
    const later = stageEvent(executionId, 'Build', '2026-01-01T12:00:00.900Z');
    const sameMillisecond = stageEvent(executionId, 'Deploy', '2026-01-01T12:00:00.900Z');

    await writers[0].recordEvent(later);
    const first = await reader.listEvents(executionId, 0);
    await writers[1].recordEvent(earlier);
    await writers[0].recordEvent(sameMillisecond);
    const next = await reader.listEvents(executionId, first.length);

    expect(first.map((event) => event.id)).toEqual([later.id]);
    expect(next.map((event) => event.id)).toEqual([earlier.id, sameMillisecond.id]);
    expect((await reader.listEvents(executionId)).map((event) => event.id)).toEqual([later.id, earlier.id, sameMillisecond.id]);
    expect(await reader.listEvents(executionId, 3)).toEqual([]);
  });

  it('loses none of the events two writers record at once in one second, and records once an event delivered more than once at the same time', async () => {
    const { writers, reader } = stores();
    const executionId = randomUUID();
    const events = Array.from({ length: 12 }, (_, index) =>
      stageEvent(executionId, `Stage${index}`, `2026-01-01T12:00:00.${String(999 - index * 7).padStart(3, '0')}Z`),
    );
    const seen: PipelineEvent[] = [];
    const follow = async () => void seen.push(...(await reader.listEvents(executionId, seen.length)));
    // One follower, reading over and over while the writers write.
    const following = (async () => {
      for (let read = 0; read < 6; read += 1) await follow();
    })();

    const redelivered = [writers[1].recordEvent(events[0]!), writers[0].recordEvent(events[5]!), writers[1].recordEvent(events[5]!)];
    await Promise.all([...events.map((event, index) => writers[index % 2]!.recordEvent(event)), ...redelivered, following]);
    await follow();

    expect(seen.map((event) => event.id).sort()).toEqual(events.map((event) => event.id).sort());
    expect(await reader.listEvents(executionId)).toEqual(seen);
  });
}

/** An event's state change as `pipeline STATE`, `Stage STATE` or `Stage/Action STATE`. */
export function stateChange({ detail }: { detail: { state: string; stage?: string; action?: string } }): string {
  return `${[detail.stage, detail.action].filter(Boolean).join('/') || 'pipeline'} ${detail.state}`;
}

/** The state changes of an execution in which each of `actions` (`Stage/Action`, one a stage) succeeds, in order. */
export function succeededRunChanges(actions: string[]): string[] {
  return [
    'pipeline STARTED',
    ...actions.flatMap((action) => {
      const stage = action.split('/')[0]!;
      return [`${stage} STARTED`, `${action} STARTED`, `${action} SUCCEEDED`, `${stage} SUCCEEDED`];
    }),
    'pipeline SUCCEEDED',
  ];
}
