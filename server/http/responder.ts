/**
 * Answers one POSTed request with plain JSON when the handler sends nothing before its result,
 * and upgrades to SSE the moment it does (progress, logs, server→client requests).
 *
 * @module
 */

import type { JsonRpcMessage, JsonRpcResponse } from "../../protocol/jsonrpc.ts";
import type { Channel } from "../engine/exchange.ts";
import type { Abortable } from "../sessions/session.ts";
import { DelayQueue } from "../../protocol/delay_queue.ts";
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

/** The queues of pending upgrades, one per delay (servers in one process may set different ones). */
const upgrades = new Map<number, DelayQueue>();

function upgradeQueue(ms: number): DelayQueue {
  let queue = upgrades.get(ms);
  if (!queue) upgrades.set(ms, queue = new DelayQueue(ms));
  return queue;
}

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
    const upgrade = cancelOnDisconnect && upgradeAfterMs
      ? upgradeQueue(upgradeAfterMs).add(() => this.open())
      : undefined;
    const settled = () => upgrade?.cancel();
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
