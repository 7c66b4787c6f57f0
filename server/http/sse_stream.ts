/**
 * SSE connections and the logical streams behind them.
 *
 * A *connection* is one HTTP response body. A *logical stream* is what the 2025 spec calls a
 * stream: it outlives connections, numbers its events, and can be resumed with `Last-Event-ID`
 * on a new connection. 2026 responses use connections only (no ids, no resumption).
 *
 * @module
 */

import type { JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import { encodeSseEvent, type SseEvent } from "../../protocol/sse.ts";

/** Headers of every SSE response. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/** Every open connection of a server, so shutdown can close them first. */
export class ConnectionRegistry {
  readonly #open = new Set<SseConnection>();

  /** Number of open connections. */
  get size(): number {
    return this.#open.size;
  }

  /** @internal */
  add(connection: SseConnection): void {
    this.#open.add(connection);
  }

  /** @internal */
  delete(connection: SseConnection): void {
    this.#open.delete(connection);
  }

  /** Closes every open connection (`Deno.serve` cannot shut down while one is open). */
  closeAll(): void {
    for (const connection of [...this.#open]) connection.close();
  }
}

/** One SSE response body. */
export class SseConnection {
  readonly response: Response;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  readonly #onClose: (byClient: boolean) => void;

  /**
   * Opens a connection. `onClose(byClient)` runs once, when the client goes away (true) or the
   * server closes it (false).
   */
  constructor(
    private readonly registry: ConnectionRegistry,
    headers: Record<string, string> | undefined,
    onClose: (byClient: boolean) => void = () => {},
  ) {
    this.#onClose = onClose;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.#finish(true),
    });
    this.response = new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...headers } });
    registry.add(this);
  }

  /** True once closed by either side. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Writes one event; false when the connection is closed. */
  write(event: SseEvent): boolean {
    if (this.#closed) return false;
    try {
      this.#controller.enqueue(encodeSseEvent(event));
      return true;
    } catch {
      this.#finish(true);
      return false;
    }
  }

  /** Writes one JSON-RPC message as a `message` event. */
  send(message: JsonRpcMessage, id?: string): boolean {
    return this.write({ event: "message", id, data: JSON.stringify(message) });
  }

  /** Ends the response body. */
  close(): void {
    if (this.#closed) return;
    try {
      this.#controller.close();
    } catch {
      // Already errored by the client going away; nothing left to close.
    }
    this.#finish(false);
  }

  #finish(byClient: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.registry.delete(this);
    this.#onClose(byClient);
  }
}

interface StoredEvent {
  seq: number;
  message: JsonRpcMessage;
}

/**
 * A resumable 2025-era stream: every message gets an event id `<stream>_<seq>` and is kept
 * (up to `capacity`) so a client can reconnect with `Last-Event-ID` and miss nothing.
 */
export class LogicalStream {
  #seq = 0;
  #events: StoredEvent[] = [];
  #connection?: SseConnection;
  /** True once the final message (the response) was written. */
  finished = false;

  /** Creates a stream with a session-unique id. */
  constructor(readonly id: string, private readonly capacity: number) {}

  /** The live connection, if any. */
  get connection(): SseConnection | undefined {
    return this.#connection && !this.#connection.closed ? this.#connection : undefined;
  }

  /** Writes the priming event: an id and empty data, so the client can resume from the start. */
  prime(connection: SseConnection, retryMs?: number): void {
    connection.write({ id: `${this.id}_${this.#seq}`, data: "", retry: retryMs });
  }

  /** Sends (and stores) a message. */
  send(message: JsonRpcMessage): void {
    const seq = ++this.#seq;
    this.#events.push({ seq, message });
    if (this.#events.length > this.capacity) this.#events.shift();
    this.connection?.send(message, `${this.id}_${seq}`);
  }

  /** Attaches a connection, first replaying the events after `afterSeq`. */
  attach(connection: SseConnection, afterSeq: number): void {
    this.#connection = connection;
    for (const event of this.#events) {
      if (event.seq > afterSeq) connection.send(event.message, `${this.id}_${event.seq}`);
    }
    if (this.finished) connection.close();
  }

  /** Closes the live connection without ending the stream (SSE polling), after a `retry` hint. */
  detach(retryMs?: number): void {
    const connection = this.connection;
    if (!connection) return;
    if (retryMs !== undefined) connection.write({ id: `${this.id}_${this.#seq}`, data: "", retry: retryMs });
    connection.close();
    this.#connection = undefined;
  }
}

/** Splits an event id into stream id and sequence number. */
export function parseEventId(eventId: string): { streamId: string; seq: number } | undefined {
  const cut = eventId.lastIndexOf("_");
  if (cut <= 0) return undefined;
  const seq = Number(eventId.slice(cut + 1));
  return Number.isSafeInteger(seq) && seq >= 0 ? { streamId: eventId.slice(0, cut), seq } : undefined;
}
