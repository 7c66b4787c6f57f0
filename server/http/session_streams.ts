/**
 * The HTTP side of a 2025 session: its resumable SSE streams (the standalone GET stream and one
 * per streamed answer), and the `Mcp-Session-Id` header its answers carry.
 *
 * @module
 */

import type { Session } from "../sessions/session.ts";
import { LogicalStream } from "./sse_stream.ts";

/** HTTP-side state of one session: its resumable streams. */
export class HttpSessionState {
  /** The session's streams by id. */
  readonly streams = new Map<string, LogicalStream>();
  /** The GET stream (unsolicited messages). */
  readonly standalone: LogicalStream;
  #next = 0;

  /** Creates the state of a session; `capacity` events are kept per stream for resumption. */
  constructor(readonly session: Session, private readonly capacity: number) {
    this.standalone = new LogicalStream("g", capacity);
    this.streams.set("g", this.standalone);
  }

  /** A new stream for an answer that streams. */
  newStream(): LogicalStream {
    this.prune();
    const stream = new LogicalStream(`p${++this.#next}`, this.capacity);
    this.streams.set(stream.id, stream);
    return stream;
  }

  /** How many of the streams have a connection open now. */
  openConnections(): number {
    let n = 0;
    for (const s of this.streams.values()) if (s.connection) n++;
    return n;
  }

  /** Drops finished streams whose answer has been delivered. */
  prune(): void {
    for (const [id, s] of this.streams) if (s.finished && !s.connection) this.streams.delete(id);
  }

  /** Closes every connection of the session. */
  close(): void {
    for (const s of this.streams.values()) s.connection?.close();
    this.streams.clear();
  }
}

const states = new WeakMap<Session, HttpSessionState>();

/** The HTTP state of a session, made on first use (it then receives the session's unsolicited messages). */
export function stateOf(session: Session, eventStoreSize: number): HttpSessionState {
  let state = states.get(session);
  if (!state) {
    state = new HttpSessionState(session, eventStoreSize);
    states.set(session, state);
    const standalone = state.standalone;
    session.unsolicited = (message) => {
      standalone.send(message);
      return standalone.connection !== undefined;
    };
  }
  return state;
}

/** Frees the HTTP state of an ended session (its streams close). */
export function releaseSession(session: Session): void {
  states.get(session)?.close();
  states.delete(session);
}

const sessionHeaderCache = new WeakMap<Session, Record<string, string>>();

/** The headers of every answer on a session (one object per session). */
export function sessionHeaders(session: Session | undefined): Record<string, string> | undefined {
  if (!session) return undefined;
  let headers = sessionHeaderCache.get(session);
  if (!headers) sessionHeaderCache.set(session, headers = { "mcp-session-id": session.id });
  return headers;
}
