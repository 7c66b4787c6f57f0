/**
 * One request being served: its {@link RequestFacts}, its params, and the ways back to the
 * client. `receive()` builds it; the method table, middleware and `Context` read it.
 *
 * @module
 */

import type { JsonObject, JsonRpcMessage } from "../../protocol/jsonrpc.ts";
import type { Session } from "../sessions/session.ts";
import type { RequestFacts } from "./facts.ts";
import type { AccessToken } from "../../auth/access_token.ts";
import type { InputRequest, InputRound } from "./input_state.ts";

/** A request in flight, as handlers and the engine see it. */
export interface Exchange {
  /** What is known about the request. */
  readonly facts: RequestFacts;
  /** The request's params (middleware may replace them before the handler runs). */
  params: JsonObject;
  /** The 2025-era session, if any. */
  readonly session?: Session;
  /** Aborted when the client cancels or disconnects, or the server shuts down. */
  readonly signal: AbortSignal;
  /** The HTTP request, on HTTP. */
  readonly httpRequest?: Request;
  /** Sends a message related to this request (progress, logs, and on 2025 server→client requests). */
  send(message: JsonRpcMessage): void;
  /**
   * 2025 HTTP only: closes the SSE connection without ending the stream, after a `retry` hint,
   * so the client reconnects with `Last-Event-ID` (SSE polling, SEP-1699).
   */
  closeSseStream?(retryMs?: number): void;
  /** 2026-07-28 input state; absent on 2025 requests. */
  input?: InputRound;
  /** The verified access token, token included (only in the isolate that received the request). */
  readonly accessToken?: AccessToken;
  /**
   * Set by the task layer on a 2026 call that may become a task where its handler calls
   * `ctx.startTask()` (the client negotiated tasks and the tool has a prelude).
   */
  taskEligible?: boolean;
  /**
   * Asks the client on behalf of a task (its status becomes `input_required` meanwhile), or
   * refuses where no client can be asked (a worker), instead of the era's own way. `key` names
   * the question, stable across re-runs.
   */
  ask?(request: InputRequest, key: string): Promise<JsonObject>;
  /** Aborts the handler's signal without cancelling the request (a timeout). */
  stop?(reason: unknown): void;
  /**
   * What the request's method resolved (the tool of a `tools/call`), kept for its later steps so
   * that it is resolved once. A field rather than a side table: a WeakMap keyed by every request
   * costs the garbage collector ephemeron work under load.
   */
  target?: object;
}

/** Reads the progress token from a request's `_meta`. */
export function progressTokenOf(params: JsonObject): string | number | undefined {
  const token = (params._meta as { progressToken?: unknown } | undefined)?.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}

/** Where an exchange's messages go: the response stream of its request, or the connection. */
export interface Channel {
  /** Sends a message related to the request. */
  send(message: JsonRpcMessage): void;
  /** Opens the response stream now; returns its resumable 2025 stream, if there is one. */
  open(): { detach(retryMs?: number): void } | undefined;
}

/**
 * The exchange of a request that arrived on a transport. A class rather than an object literal
 * with an accessor: literals with getters take V8's slow path, and on the hot path that showed
 * up as objects surviving young-generation collections. The `AbortController` behind `signal` is
 * created only when a handler asks for it; shutdown reaches it through the server's shutdown
 * signal.
 */
export class RequestExchange implements Exchange {
  input?: InputRound;
  taskEligible?: boolean;
  accessToken?: AccessToken = undefined;
  target?: object = undefined;
  #channel?: Channel;
  #controller?: AbortController;
  #reason?: unknown;
  #unlink?: () => void;

  /** Creates an exchange; `shutdown` aborts it when the server stops. */
  constructor(
    readonly facts: RequestFacts,
    public params: JsonObject,
    readonly session: Session | undefined,
    readonly httpRequest: Request | undefined,
    private readonly shutdown: AbortSignal,
  ) {}

  /**
   * Connects the exchange to where its messages go. A method rather than a per-request closure:
   * closures assigned to fields on the hot path kept whole response contexts alive through
   * young-generation collections (measured: full GCs every ~150 ms under load).
   */
  attach(channel: Channel): this {
    this.#channel = channel;
    return this;
  }

  /** @inheritdoc */
  send(message: JsonRpcMessage): void {
    if (!this.aborted) this.#channel?.send(message);
  }

  /** @inheritdoc */
  closeSseStream(retryMs = 1000): void {
    this.#channel?.open()?.detach(retryMs);
  }

  /** @inheritdoc */
  get signal(): AbortSignal {
    return this.#ensureController().signal;
  }

  #ensureController(): AbortController {
    if (!this.#controller) {
      const controller = this.#controller = new AbortController();
      if (this.#reason !== undefined) controller.abort(this.#reason);
      else if (this.shutdown.aborted) controller.abort(this.shutdown.reason);
      else {
        const onShutdown = () => controller.abort(this.shutdown.reason);
        this.shutdown.addEventListener("abort", onShutdown, { once: true });
        this.#unlink = () => this.shutdown.removeEventListener("abort", onShutdown);
      }
    }
    return this.#controller;
  }

  /** True once cancelled (by the client, a disconnect or shutdown). */
  get aborted(): boolean {
    return this.#reason !== undefined || this.shutdown.aborted;
  }

  /** Cancels the request: its signal aborts and nothing more is sent for it, the answer included. */
  abort(reason: unknown = new Error("cancelled")): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }

  /** @inheritdoc */
  stop(reason: unknown): void {
    this.#ensureController().abort(reason);
  }

  /** Detaches from the shutdown signal once the request is over. */
  dispose(): void {
    this.#unlink?.();
    this.#unlink = undefined;
  }
}
