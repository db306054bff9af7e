import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { EventSourceMessage } from 'eventsource-parser';
import { ApiError, type ConsoleApi } from '../api/client';

/**
 * Reads a `text/event-stream` route of the console API until it ends or `signal` aborts it. It is
 * read with fetch, not EventSource, which cannot send the session's header. `opened` is told once
 * the server has answered.
 */
export async function readEventStream(
  api: ConsoleApi,
  path: string,
  signal: AbortSignal,
  onEvent: (message: EventSourceMessage) => void,
  opened: () => void = () => undefined,
): Promise<void> {
  const response = await api.send('GET', path, undefined, signal);
  opened();
  if (!response.body) return;
  const messages = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const message of messages) onEvent(message);
}

/** How long a dropped stream waits before it connects again. */
const RECONNECT_MS = 2000;

/**
 * Follows an endless stream: connects again, after a pause, whenever it drops, until `signal`
 * aborts it or the session is gone. `opened` is told at each connection, so that a follower can
 * catch up on what it missed while it was away.
 */
export async function followEventStream(
  api: ConsoleApi,
  path: string,
  signal: AbortSignal,
  onEvent: (message: EventSourceMessage) => void,
  opened: () => void,
): Promise<void> {
  while (!signal.aborted) {
    try {
      await readEventStream(api, path, signal, onEvent, opened);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      // Otherwise dropped (the server restarted, the network blinked): connect again below.
    }
    if (signal.aborted) return;
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
  }
}
