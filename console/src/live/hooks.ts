import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleConfig } from '../../../lib/api/console-config';
import type { PipelineEvent } from '../../../lib/core/events';
import type { ConsoleApi } from '../api/client';
import { followEventStream, readEventStream } from './event-stream';

/** What every page reads the server through: its API, and how it follows changes (`config.live`). */
export interface Console {
  api: ConsoleApi;
  config: ConsoleConfig;
}

export const ConsoleContext = createContext<Console | undefined>(undefined);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole is used outside the console.');
  return value;
}

/** How often a polling page reads a pipeline's state again, as long as it is visible. */
const STATE_POLL_MS = 3000;
/** How often a polling page reads the log of a running action again. */
const LOG_POLL_MS = 2000;
/** How long one long poll of an execution's events waits on the server. */
const EVENTS_WAIT_SECONDS = 20;
/** Events that come in a burst (an action ends, its stage ends, the next starts) make one refresh. */
const COALESCE_MS = 150;

/** A function that runs `run` once, a moment after the last of a burst of calls. */
function coalesced(run: () => void): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    clearTimeout(timer);
    timer = setTimeout(run, COALESCE_MS);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}

/** The latest `value`, for effects that should not restart when a callback changes. */
function useLatest<T>(value: T): { current: T } {
  const ref = useRef(value);
  ref.current = value;
  return ref;
}

/** Calls `run` every `ms` while the tab is visible, and at once when it becomes visible again. */
function pollWhileVisible(run: () => void, ms: number): () => void {
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible') run();
  }, ms);
  const visible = () => {
    if (document.visibilityState === 'visible') run();
  };
  document.addEventListener('visibilitychange', visible);
  return () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', visible);
  };
}

/**
 * Calls `changed` whenever something may have changed for the events `matches` selects: on each
 * such state-change event of the stream (SSE), or every few seconds (polling).
 */
export function useStateChanges(matches: (event: PipelineEvent) => boolean, changed: () => void, key: string): void {
  const { api, config } = useConsole();
  const latest = useLatest({ matches, changed });
  useEffect(() => {
    if (config.live === 'poll') return pollWhileVisible(() => latest.current.changed(), STATE_POLL_MS);
    const controller = new AbortController();
    const refresh = coalesced(() => latest.current.changed());
    void followEventStream(
      api,
      '/stream',
      controller.signal,
      (message) => {
        if (message.event !== 'state-change') return;
        if (latest.current.matches(JSON.parse(message.data) as PipelineEvent)) refresh();
      },
      // Whatever happened while the stream was away is read again.
      refresh,
    );
    return () => {
      refresh.cancel();
      controller.abort();
    };
  }, [api, config.live, key]);
}

/** Calls `changed` whenever pipeline `name` changes, or any pipeline when `name` is undefined. */
export function usePipelineChanges(name: string | undefined, changed: () => void): void {
  useStateChanges((event) => name === undefined || event.detail.pipeline === name, changed, `pipeline:${name ?? '*'}`);
}

/**
 * Calls `changed` whenever execution `executionId` changes while `running`: on its events in the
 * stream (SSE), or, polling, as soon as a long poll of its events returns new ones.
 */
export function useExecutionChanges(executionId: string, running: boolean, changed: () => void): void {
  const { api, config } = useConsole();
  const latest = useLatest(changed);
  const sse = config.live === 'sse';
  useStateChanges((event) => sse && event.detail['execution-id'] === executionId, changed, `execution:${executionId}:${sse}`);
  useEffect(() => {
    if (sse || !running) return;
    const controller = new AbortController();
    void (async () => {
      let seen = (await api.listExecutionEvents(executionId, 0, 0, controller.signal).catch(() => [])).length;
      while (!controller.signal.aborted) {
        const events = await api.listExecutionEvents(executionId, seen, EVENTS_WAIT_SECONDS, controller.signal).catch(() => undefined);
        if (controller.signal.aborted) return;
        if (events === undefined) {
          await new Promise((resolve) => setTimeout(resolve, LOG_POLL_MS));
        } else if (events.length > 0) {
          seen += events.length;
          latest.current();
        }
      }
    })();
    return () => controller.abort();
  }, [api, sse, executionId, running]);
}

/**
 * The log of action `actionName` of an execution: streamed as it grows while `running` (SSE), or
 * read again every few seconds (polling); read once when the action has ended.
 */
export function useActionLog(executionId: string, actionName: string, running: boolean): { text: string; error?: string } {
  const { api, config } = useConsole();
  const [log, setLog] = useState<{ text: string; error?: string }>({ text: '' });
  useEffect(() => {
    const controller = new AbortController();
    const readWhole = () =>
      api.getActionLog(executionId, actionName).then(
        (text) => !controller.signal.aborted && setLog({ text }),
        (error: Error) => !controller.signal.aborted && setLog((old) => ({ ...old, error: error.message })),
      );
    if (!running) {
      void readWhole();
    } else if (config.live === 'sse') {
      setLog({ text: '' });
      const path = `/executions/${encodeURIComponent(executionId)}/logs/stream?action=${encodeURIComponent(actionName)}`;
      readEventStream(api, path, controller.signal, (message) => {
        if (message.event === 'log') setLog((old) => ({ text: old.text + (JSON.parse(message.data) as { text: string }).text }));
      }).catch((error: Error) => !controller.signal.aborted && setLog((old) => ({ ...old, error: error.message })));
    } else {
      void readWhole();
      const stop = pollWhileVisible(() => void readWhole(), LOG_POLL_MS);
      controller.signal.addEventListener('abort', stop);
    }
    return () => controller.abort();
  }, [api, config.live, executionId, actionName, running]);
  return log;
}
