/**
 * Answers one POSTed request with plain JSON when the handler sends nothing before its result,
 * and upgrades to SSE the moment it does (progress, logs, server→client requests).
 *
 * @module
 */

import type { JsonRpcMessage, JsonRpcResponse } from "../../protocol/jsonrpc.ts";
import type { Channel } from "../engine/exchange.ts";
import type { Abortable } from "../sessions/session.ts";
import { jsonResponse } from "./guards.ts";
import { type ConnectionRegistry, type LogicalStream, SseConnection } from "./sse_stream.ts";

/** How to answer one POST. */
export interface ResponderOptions {
  registry: ConnectionRegistry;
  /** Extra response headers (the session id). */
  headers?: Record<string, string>;
  /** 2025 only: where the resumable stream behind an SSE answer comes from. */
  streams?: { newStream(): LogicalStream };
  /** 2025 only: prime a new stream so the client can resume it from the start. */
  prime?: boolean;
  /** 2026 only: what a dropped connection cancels. */
  cancelOnDisconnect?: Abortable;
  /** 2026 only: a pending answer becomes an SSE stream after this long (0: never). */
  upgradeAfterMs?: number;
  /** HTTP status for a plain-JSON answer. */
  statusOf(response: JsonRpcResponse): number;
  /** The request answered (for {@link refusalOf}). */
  request?: Request;
  /**
   * The HTTP status and headers of an error that HTTP says more of than JSON-RPC: a refusal
   * naming scopes (401/403 with a challenge), a rate limit (429 with `Retry-After`).
   */
  refusalOf?: (
    response: JsonRpcResponse,
    request: Request | undefined,
  ) => { status: number; headers: Record<string, string> } | undefined;
}

/** A pending answer's turn to become SSE (see {@link UpgradeQueue}). */
interface Ticket {
  due: number;
  responder: Responder;
  done: boolean;
}

/**
 * The SSE upgrades of slow answers, on one timer: a timer armed and cleared per request cost more
 * than the rest of an async answer's framing (~5 µs of timer bookkeeping here). Tickets wait in
 * FIFO queues, one per delay (so each queue is in due order); a settled ticket is only marked,
 * and the timer is dropped as soon as no ticket is pending.
 */
class UpgradeQueue {
  readonly #queues = new Map<number, Ticket[]>();
  #timer?: ReturnType<typeof setTimeout>;
  #timerAt = Infinity;
  #pending = 0;

  schedule(delayMs: number, responder: Responder): Ticket {
    const ticket: Ticket = { due: performance.now() + delayMs, responder, done: false };
    let queue = this.#queues.get(delayMs);
    if (!queue) this.#queues.set(delayMs, queue = []);
    queue.push(ticket);
    this.#pending++;
    if (ticket.due < this.#timerAt) this.#arm(ticket.due);
    return ticket;
  }

  settle(ticket: Ticket): void {
    if (ticket.done) return;
    ticket.done = true;
    // Nothing left to upgrade: no timer may outlive the requests (tests check for leaked timers).
    if (--this.#pending === 0) this.#reset();
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - performance.now()));
  }

  #reset(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#queues.clear();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [delay, queue] of this.#queues) {
      let i = 0;
      for (; i < queue.length && (queue[i].done || queue[i].due <= now); i++) {
        const ticket = queue[i];
        if (ticket.done) continue;
        ticket.done = true;
        this.#pending--;
        ticket.responder.open();
      }
      queue.splice(0, i);
      if (queue.length === 0) this.#queues.delete(delay);
      else next = Math.min(next, queue[0].due);
    }
    if (next < Infinity) this.#arm(next);
  }
}

const UPGRADES = new UpgradeQueue();

/**
 * One request's way back to the client. A class, not closures: this runs for every request, and
 * per-request closures showed up as garbage-collector work under load.
 */
export class Responder implements Channel {
  #connection?: SseConnection;
  #stream?: LogicalStream;
  #answer?: (response: Response) => void;

  /** Creates a responder. */
  constructor(private readonly options: ResponderOptions) {}

  /** @inheritdoc */
  open(): LogicalStream | undefined {
    if (!this.#connection) {
      const { options } = this;
      const connection = this.#connection = new SseConnection(
        options.registry,
        options.headers,
        (byClient) => {
          if (byClient) options.cancelOnDisconnect?.abort(new Error("client closed the stream"));
        },
      );
      if (options.streams) {
        const stream = this.#stream = options.streams.newStream();
        if (options.prime) stream.prime(connection);
        stream.attach(connection, Number.MAX_SAFE_INTEGER);
      }
      this.#answer?.(connection.response);
    }
    return this.#stream;
  }

  /** @inheritdoc */
  send(message: JsonRpcMessage): void {
    this.open();
    if (this.#stream) this.#stream.send(message);
    else this.#connection!.send(message);
  }

  /**
   * The HTTP response for the request's outcome: JSON when nothing was streamed before it,
   * otherwise the SSE response, ended by the outcome. Synchronous when the outcome is.
   */
  finish(
    outcome: JsonRpcResponse | undefined | Promise<JsonRpcResponse | undefined>,
  ): Response | Promise<Response> {
    if (!(outcome instanceof Promise)) {
      if (!this.#connection) return this.#plain(outcome);
      this.#end(outcome);
      return this.#connection.response;
    }
    if (this.#connection) {
      outcome.then((r) => this.#end(r), () => this.#end(undefined));
      return this.#connection.response;
    }
    const { cancelOnDisconnect, upgradeAfterMs } = this.options;
    // Deno reports a dropped connection of all but the smallest requests only once the response
    // has started (and reading `req.signal` costs every request an AbortError when it ends): a
    // 2026 answer that is slow to come therefore starts as SSE, after which a hang-up is seen at once.
    const ticket = cancelOnDisconnect && upgradeAfterMs ? UPGRADES.schedule(upgradeAfterMs, this) : undefined;
    const settled = () => ticket && UPGRADES.settle(ticket);
    return new Promise<Response>((resolve, reject) => {
      this.#answer = resolve;
      outcome.then((response) => {
        settled();
        if (this.#connection) this.#end(response);
        else resolve(this.#plain(response));
      }, (error) => {
        settled();
        if (this.#connection) this.#end(undefined);
        else reject(error);
      });
    });
  }

  #plain(response: JsonRpcResponse | undefined): Response {
    const { options } = this;
    if (!response) return new Response(null, { status: 202, headers: options.headers });
    const refusal = response.error && options.refusalOf?.(response, options.request);
    if (refusal) return jsonResponse(response, refusal.status, { ...options.headers, ...refusal.headers });
    return jsonResponse(response, options.statusOf(response), options.headers);
  }

  #end(response: JsonRpcResponse | undefined): void {
    const stream = this.#stream;
    if (stream) {
      if (response) stream.send(response);
      stream.finished = true;
      stream.connection?.close();
      return;
    }
    if (response) this.#connection!.send(response);
    this.#connection!.close();
  }
}
