import { consoleEventStreams } from '../../../lib/api/console-streams';
import type { PipelineEvent } from '../../../lib/core/events';
import type { ExecutionDetail, SluiceApi } from '../../../lib/operations/sluice-api';
import type { EventFeed } from '../../../lib/ports/event-bus';
import type { ServerSentEvent } from '../../../lib/ports/streamed-routes';

/**
 * An execution whose one action's status and log each look at it take from the next of `looks`;
 * the first is the look that checks the execution exists.
 */
function executionLooks(looks: { execution?: string; action?: string; log?: string }[]): SluiceApi {
  let look = -1;
  const current = () => looks[Math.min(look, looks.length - 1)]!;
  return {
    getPipelineExecution: async () => {
      look += 1;
      const { execution = 'InProgress', action } = current();
      return {
        execution: { status: execution },
        actions: action ? [{ stageName: 'Build', actionName: 'Say', status: action }] : [],
      } as unknown as ExecutionDetail;
    },
    getLogs: async () => [{ stageName: 'Build', actionName: 'Say', text: current().log ?? '' }],
  } as unknown as SluiceApi;
}

const noEvents: EventFeed = { subscribe: () => () => undefined };

/** Opens the log stream of `action` and collects what it sends until it ends. */
async function followLog(api: SluiceApi, action: string): Promise<ServerSentEvent[]> {
  const streams = consoleEventStreams({ api: () => api, events: noEvents, logPollMs: 1 });
  const sent: ServerSentEvent[] = [];
  await new Promise<void>((resolve, reject) => {
    streams
      .open(
        { path: '/console/api/executions/e-1/logs/stream', query: { action }, principal: 'alice', sourceIp: '127.0.0.1' },
        { send: (event) => sent.push(event), end: resolve },
      )
      .catch(reject);
  });
  return sent;
}

describe("the console's streams", () => {
  it("sends an action's log as it grows, then end once the action has ended and its log is read whole", async () => {
    const api = executionLooks([
      {},
      { action: 'InProgress', log: 'first\n' },
      { action: 'InProgress', log: 'first\n' },
      { action: 'InProgress', log: 'first\nsecond\n' },
      { action: 'Succeeded', log: 'first\nsecond\nlast\n' },
    ]);

    const sent = await followLog(api, 'Build/Say');

    expect(sent).toEqual([
      { event: 'log', data: { text: 'first\n' } },
      { event: 'log', data: { text: 'second\n' } },
      { event: 'log', data: { text: 'last\n' } },
      { event: 'end', data: {} },
    ]);
  });

  it('waits for an action that has not started, by its name alone, and ends if the execution ends without it', async () => {
    const api = executionLooks([{}, {}, { action: 'InProgress', log: 'ran\n' }, { action: 'Failed', log: 'ran\nfailed\n' }]);
    const never = executionLooks([{}, {}, { execution: 'Failed' }]);

    expect(await followLog(api, 'Say')).toEqual([
      { event: 'log', data: { text: 'ran\n' } },
      { event: 'log', data: { text: 'failed\n' } },
      { event: 'end', data: {} },
    ]);
    expect(await followLog(never, 'Build/Say')).toEqual([{ event: 'end', data: {} }]);
  });

  it('refuses a log stream that names no action, before it starts', async () => {
    const streams = consoleEventStreams({ api: () => executionLooks([{}]), events: noEvents, logPollMs: 1 });

    await expect(
      streams.open(
        { path: '/console/api/executions/e-1/logs/stream', query: {}, principal: 'alice', sourceIp: '127.0.0.1' },
        { send: () => undefined, end: () => undefined },
      ),
    ).rejects.toThrow('Name the action whose log to follow');
  });

  it('passes on every published event until it is stopped', async () => {
    const listeners = new Set<(event: PipelineEvent) => void>();
    const events: EventFeed = {
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const streams = consoleEventStreams({ api: () => ({}) as SluiceApi, events, logPollMs: 1 });
    const sent: ServerSentEvent[] = [];
    const event = { 'detail-type': 'CodePipeline Pipeline Execution State Change' } as PipelineEvent;

    const stop = await streams.open(
      { path: '/console/api/stream', query: {}, principal: 'alice', sourceIp: '127.0.0.1' },
      { send: (item) => sent.push(item), end: () => undefined },
    );
    for (const listener of listeners) listener(event);
    stop();

    expect(sent).toEqual([{ event: 'state-change', data: event }]);
    expect(listeners.size).toBe(0);
    expect(streams.serves('/console/api/stream')).toBe(true);
    expect(streams.serves('/console/api/executions/e-1/logs/stream')).toBe(true);
    expect(streams.serves('/console/api/executions/e-1/logs')).toBe(false);
  });
});
