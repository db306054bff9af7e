import type { Readable } from 'node:stream';

/** One server-sent event: its name and its data, as JSON. The server numbers the events of each stream from 1. */
export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/** Where a stream's events go, until it ends or its client goes away. */
export interface EventStreamSink {
  send(event: ServerSentEvent): void;
  /** Ends the stream: the answer is whole. */
  end(): void;
}

/** A request for a streamed answer, once the server has checked who sends it. */
export interface StreamedRequest {
  path: string;
  query: Record<string, string | undefined>;
  /** Who the request's console session is of; none for a request that carries the API token instead. */
  principal?: string;
  sourceIp: string;
}

/**
 * The routes whose answer is a stream of server-sent events, which a server that can stream
 * serves (locally; API Gateway cannot).
 */
export interface EventStreamRoutes {
  /** Whether a path is one of these routes. */
  serves(path: string): boolean;
  /**
   * Starts the stream of a request: it sends to `sink` until the returned function stops it. It
   * rejects, with nothing sent, for a request that names nothing or is bad.
   */
  open(request: StreamedRequest, sink: EventStreamSink): Promise<() => void>;
}

/** A file sent as it is read from where it is stored. */
export interface Download {
  /** The name the browser saves it as. */
  filename: string;
  contentType: string;
  contentLength?: number;
  body: Readable;
}

/** The routes whose answer is a file streamed from storage, which a server that can stream serves. */
export interface DownloadRoutes {
  serves(path: string): boolean;
  /** The file a request names; rejects, with nothing sent, for one that names nothing. */
  open(request: StreamedRequest): Promise<Download>;
}
