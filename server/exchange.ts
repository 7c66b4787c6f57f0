/**
 * One request being served: everything a handler may need to know about where it came from,
 * and the ways back to the client. Transports build it; the dispatcher and `Context` read it.
 *
 * @module
 */

import type { JsonObject, JsonRpcMessage, RequestId } from "../protocol/jsonrpc.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../protocol/types.ts";
import type { Era } from "../protocol/versions.ts";
import type { Envelope } from "./envelope.ts";
import type { InputRequest, InputRound } from "./input_required.ts";
import type { Session } from "./session.ts";

/** Which transport carried the request: streamable HTTP, stdio, or an in-process (memory) connection. */
export type TransportKind = "http" | "stdio" | "memory";

/**
 * A request in flight. Internal: transports build it and handlers see it through
 * {@link Context}; exported only because `Context.exchange` exposes it, not a stable API.
 */
export interface Exchange {
  /** `"legacy"` (2025 and older, sessions) or `"modern"` (2026-07-28, stateless). */
  readonly era: Era;
  /** The request's protocol version. */
  readonly protocolVersion: string;
  /** The JSON-RPC id of the request. */
  readonly id: RequestId;
  /** The JSON-RPC method, e.g. `tools/call`. */
  readonly method: string;
  /** The request's params. */
  readonly params: JsonObject;
  /** What the client can do: from `initialize` on 2025, from the request itself on 2026-07-28. */
  readonly clientCapabilities: ClientCapabilities;
  /** What the client said about itself, when it did. */
  readonly clientInfo?: Implementation;
  /**
   * Minimum level for `notifications/message` on this request. On 2026-07-28 it comes from the
   * request's `_meta` and `undefined` means "send none"; on 2025 it is the session's level.
   */
  readonly logLevel?: LoggingLevel;
  /** Whether log messages may be sent at all (false on 2026 requests without a log level). */
  readonly logging: boolean;
  /** The `_meta.progressToken` of the request, if the client asked for progress notifications. */
  readonly progressToken?: string | number;
  /** The 2025-era session, if any. */
  readonly session?: Session;
  /** Aborted when the client cancels or disconnects, or the server shuts down. */
  readonly signal: AbortSignal;
  /** Which transport carried the request. */
  readonly transport: TransportKind;
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
  /** The MCP task this call runs in, when it runs as one. */
  readonly taskId?: string;
  /**
   * Set by the task layer on a 2026 call that may become a task where its handler calls
   * `ctx.startTask()` (the client negotiated tasks and the tool has a prelude).
   */
  taskEligible?: boolean;
  /**
   * Asks the client on behalf of a task (its status becomes `input_required` meanwhile) instead
   * of the era's own way. `key` names the question, stable across re-runs.
   */
  ask?(request: InputRequest, key: string): Promise<JsonObject>;
}

/** Reads the progress token from a request's `_meta`. */
export function progressTokenOf(params: JsonObject): string | number | undefined {
  const token = (params._meta as { progressToken?: unknown } | undefined)?.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}

/** Something in flight that can be told to stop. Internal: part of {@link Session}'s bookkeeping. */
export interface Abortable {
  /** Stops the work; `reason` becomes the abort reason of its signal. */
  abort(reason?: unknown): void;
}

/** Where an exchange's messages go: the response stream of its request, or the connection. */
export interface Channel {
  /** Sends a message related to the request. */
  send(message: JsonRpcMessage): void;
  /** Opens the response stream now; returns its resumable 2025 stream, if there is one. */
  open(): { detach(retryMs?: number): void } | undefined;
}

/** Fields of a {@link RequestExchange}. */
export type ExchangeInit = Omit<Exchange, "signal" | "send" | "input" | "closeSseStream">;

/**
 * The exchange transports build. A class rather than an object literal with an accessor:
 * literals with getters take V8's slow path, and on the hot path that showed up as objects
 * surviving young-generation collections. The `AbortController` behind `signal` is created only
 * when a handler asks for it; shutdown reaches it through the server's shutdown signal.
 */
export class RequestExchange implements Exchange, Abortable {
  readonly era: Exchange["era"];
  readonly protocolVersion: string;
  readonly id: RequestId;
  readonly method: string;
  readonly params: JsonObject;
  readonly clientCapabilities: ClientCapabilities;
  readonly clientInfo?: Implementation;
  readonly logLevel?: LoggingLevel;
  readonly logging: boolean;
  readonly progressToken?: string | number;
  readonly session?: Session;
  readonly transport: TransportKind;
  readonly httpRequest?: Request;
  input?: InputRound;
  taskEligible?: boolean;
  #channel?: Channel;
  #controller?: AbortController;
  #reason?: unknown;
  #unlink?: () => void;

  /** Creates an exchange; `shutdown` aborts it when the server stops. */
  constructor(init: ExchangeInit, private readonly shutdown: AbortSignal) {
    this.era = init.era;
    this.protocolVersion = init.protocolVersion;
    this.id = init.id;
    this.method = init.method;
    this.params = init.params;
    this.clientCapabilities = init.clientCapabilities;
    this.clientInfo = init.clientInfo;
    this.logLevel = init.logLevel;
    this.logging = init.logging;
    this.progressToken = init.progressToken;
    this.session = init.session;
    this.transport = init.transport;
    this.httpRequest = init.httpRequest;
  }

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

  /**
   * Aborts the handler's signal without cancelling the request (a timeout): the request still
   * gets its (error) answer.
   */
  stop(reason: unknown): void {
    this.#ensureController().abort(reason);
  }

  /** Detaches from the shutdown signal once the request is over. */
  dispose(): void {
    this.#unlink?.();
    this.#unlink = undefined;
  }
}

/** Where a request came from, for the exchange factories below. */
export interface RequestOrigin {
  id: RequestId;
  method: string;
  params: JsonObject;
  transport: TransportKind;
  httpRequest?: Request;
}

/** A 2026-07-28 exchange: everything about the client comes from the request's envelope. */
export function modernExchange(
  envelope: Envelope,
  origin: RequestOrigin,
  shutdown: AbortSignal,
): RequestExchange {
  return new RequestExchange({
    ...origin,
    era: "modern",
    protocolVersion: envelope.protocolVersion,
    clientCapabilities: envelope.clientCapabilities,
    clientInfo: envelope.clientInfo,
    logLevel: envelope.logLevel,
    logging: envelope.logLevel !== undefined,
    progressToken: progressTokenOf(origin.params),
  }, shutdown);
}

/** A 2025-era exchange: everything about the client comes from its session, if it has one. */
export function legacyExchange(
  session: Session | undefined,
  fallbackVersion: string,
  origin: RequestOrigin,
  shutdown: AbortSignal,
): RequestExchange {
  return new RequestExchange({
    ...origin,
    era: "legacy",
    protocolVersion: session?.protocolVersion ?? fallbackVersion,
    clientCapabilities: session?.clientCapabilities ?? {},
    clientInfo: session?.clientInfo,
    logLevel: session?.logLevel,
    logging: true,
    progressToken: progressTokenOf(origin.params),
    session,
  }, shutdown);
}
