/**
 * The client's JSON-RPC peer: numbers requests, matches responses, times requests out, cancels
 * them, routes progress to its request, and hands the server's own requests and notifications to
 * the session (with the request they arrived with).
 *
 * @module
 */

import type { JsonObject, JsonRpcMessage, RequestId } from "../../protocol/jsonrpc.ts";
import { ErrorCode, errorResponse, isObject, resultResponse } from "../../protocol/jsonrpc.ts";
import type { Message } from "../../protocol/message.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { ConnectionError, McpError, RequestTimeoutError } from "../errors.ts";
import type { Progress } from "../types.ts";
import type { ClientTransport, SendOptions } from "./transport.ts";

/** Options of one request. */
export interface PeerRequestOptions {
  /** Time allowed for the answer, in ms. */
  timeoutMs: number;
  /** Cancels the request. */
  signal?: AbortSignal;
  /** Receives progress; each notification also restarts the timeout. */
  onProgress?: (progress: Progress) => void;
  /** Extra headers of the request (HTTP). */
  headers?: Record<string, string>;
  /** Whatever the session wants to find again when the server asks something during this request. */
  scope?: unknown;
  /** Called with the id once the request is numbered (tracing). */
  onId?: (id: RequestId) => void;
}

/** What the peer asks of the session. */
export interface PeerHost {
  /** Answers a request the server sent. `scope` is the scope of the request it came with. */
  answer(method: string, params: JsonObject, signal: AbortSignal, scope: unknown): Promise<JsonObject>;
  /** Hears a notification (progress and cancellation are handled by the peer). */
  notified(method: string, params: JsonObject, scope: unknown): void;
  /**
   * The params of the `notifications/cancelled` that announces an abandoned request, or undefined
   * where aborting the request's stream is the announcement (2026-07-28 HTTP).
   */
  cancellation(id: RequestId, reason: string): JsonObject | undefined;
  /** Prefix of error messages naming the server ("server 'x': "), or "". */
  readonly label: string;
}

interface Pending {
  readonly method: string;
  readonly resolve: (result: JsonObject) => void;
  readonly reject: (error: unknown) => void;
  readonly options: PeerRequestOptions;
  readonly abort: AbortController;
  /** When the request times out (ms since the epoch; Infinity: never). */
  deadline: number;
}

/** A JSON-RPC peer over one transport. */
export class Peer {
  readonly #transport: ClientTransport;
  readonly #host: PeerHost;
  readonly #pending = new Map<RequestId, Pending>();
  /** Requests of the server being answered, by id, so that the server can cancel them. */
  readonly #answering = new Map<RequestId, AbortController>();
  #nextId = 1;
  #closed?: Error;
  /**
   * One timer for every request's timeout, set for the earliest deadline it knows of. A timer per
   * request cost a proxy forwarding thousands of calls a second more than anything else it did
   * for them but the socket writes.
   */
  #expiry?: ReturnType<typeof setTimeout>;
  #expiresAt = Infinity;

  /** A peer over `transport`; call {@link start} before the first request. */
  constructor(transport: ClientTransport, host: PeerHost) {
    this.#transport = transport;
    this.#host = host;
  }

  /** Opens the transport. */
  start(): Promise<void> {
    return this.#transport.start((message, related) => this.#receive(message, related), (error) => {
      this.#fail(error);
    });
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /** The scope of a request in flight, or of the only one in flight when `related` is unknown. */
  scopeOf(related: RequestId | undefined): unknown {
    if (related !== undefined) return this.#pending.get(related)?.options.scope;
    // A server's question on a stream without a request (stdio, the GET stream) belongs to the
    // only request in flight when there is exactly one with a scope: that is the request it serves.
    let found: unknown;
    for (const p of this.#pending.values()) {
      if (p.options.scope === undefined) continue;
      if (found !== undefined) return undefined;
      found = p.options.scope;
    }
    return found;
  }

  /** Sends a request and resolves with its result; a JSON-RPC error rejects as {@link McpError}. */
  request(method: string, params: JsonObject | undefined, options: PeerRequestOptions): Promise<JsonObject> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    const id = this.#nextId++;
    options.onId?.(id);
    let body = params;
    if (options.onProgress) {
      body = { ...params, _meta: { ...(params?._meta as JsonObject), progressToken: id } };
    }
    return new Promise<JsonObject>((resolve, reject) => {
      const abort = new AbortController();
      const pending: Pending = { method, resolve, reject, options, abort, deadline: Infinity };
      this.#pending.set(id, pending);
      this.#arm(pending);
      const onAbort = () => this.#abandon(id, options.signal!.reason, "cancelled by the client");
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => {
        options.signal?.removeEventListener("abort", onAbort);
        if (this.#pending.size === 0) this.#disarm();
      };
      const settle = { resolve, reject };
      (pending as { resolve: typeof resolve }).resolve = (r) => (done(), settle.resolve(r));
      (pending as { reject: typeof reject }).reject = (e) => (done(), settle.reject(e));
      const message: JsonRpcMessage = { jsonrpc: "2.0", id, method, ...(body ? { params: body } : {}) };
      const send: SendOptions = { signal: abort.signal, headers: options.headers };
      this.#transport.send(message, send).catch((error) => {
        const entry = this.#pending.get(id);
        if (!entry) return;
        this.#pending.delete(id);
        entry.reject(abort.signal.aborted ? abort.signal.reason : this.#connectionError(error));
      });
    });
  }

  /** Sends a notification. */
  async notify(method: string, params?: JsonObject): Promise<void> {
    if (this.#closed) throw this.#closed;
    await this.#transport.send({ jsonrpc: "2.0", method, ...(params ? { params } : {}) });
  }

  /** Rejects every request in flight and stops answering; the transport is closed by the caller. */
  close(reason: Error = new ConnectionError(`${this.#host.label}the connection is closed`)): void {
    this.#fail(reason);
  }

  /** (Re)starts a request's timeout. */
  #arm(pending: Pending): void {
    const ms = pending.options.timeoutMs;
    pending.deadline = Number.isFinite(ms) ? Date.now() + ms : Infinity;
    if (pending.deadline < this.#expiresAt) this.#schedule(pending.deadline);
  }

  /** Sets the timer for `at`, a finite deadline earlier than any it was set for. */
  #schedule(at: number): void {
    clearTimeout(this.#expiry);
    this.#expiresAt = at;
    this.#expiry = setTimeout(() => this.#expire(), Math.max(0, at - Date.now()));
  }

  #disarm(): void {
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    this.#expiresAt = Infinity;
  }

  /** Abandons the requests whose time is up; the timer moves on to the next deadline. */
  #expire(): void {
    const now = Date.now();
    let next = Infinity;
    for (const [id, pending] of this.#pending) {
      const ms = pending.options.timeoutMs;
      if (pending.deadline <= now) {
        this.#abandon(
          id,
          new RequestTimeoutError(this.#host.label + pending.method, ms),
          `timed out after ${ms} ms`,
        );
      } else if (pending.deadline < next) next = pending.deadline;
    }
    this.#expiresAt = Infinity;
    this.#expiry = undefined;
    if (next !== Infinity && this.#pending.size > 0) this.#schedule(next);
  }

  /** Gives up on a request: rejects it, stops its stream, and tells the server where the era allows. */
  #abandon(id: RequestId, error: unknown, reason: string): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    pending.reject(error);
    pending.abort.abort(error);
    const params = this.#closed || pending.method === "initialize"
      ? undefined
      : this.#host.cancellation(id, reason);
    if (params) this.notify("notifications/cancelled", params).catch(() => {});
  }

  #fail(error: Error): void {
    if (this.#closed) return;
    this.#disarm();
    this.#closed = error instanceof ConnectionError ? error : this.#connectionError(error);
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.reject(this.#closed);
      pending.abort.abort(this.#closed);
    }
    for (const controller of this.#answering.values()) controller.abort(this.#closed);
    this.#answering.clear();
  }

  #connectionError(error: unknown): Error {
    if (error instanceof McpError || error instanceof ConnectionError) return error as Error;
    const why = error instanceof Error ? error.message : String(error);
    return new ConnectionError(`${this.#host.label}${why}`, { cause: error });
  }

  #receive(message: Message, related?: RequestId): void {
    switch (message.kind) {
      case "response": {
        const { response } = message;
        const pending = response.id === null ? undefined : this.#pending.get(response.id);
        if (!pending) return; // Late (timed out or cancelled) or unknown: nothing waits for it.
        this.#pending.delete(response.id!);
        if (response.error) {
          const { code, message: text, data } = response.error;
          pending.reject(new McpError(code, this.#host.label + text, data));
        } else if (!isObject(response.result)) {
          pending.reject(
            new McpError(ErrorCode.InvalidRequest, `${this.#host.label}the result is not an object`),
          );
        } else {
          pending.resolve(response.result);
        }
        return;
      }
      case "notification":
        return this.#notified(message.method, message.params, related);
      case "request":
        return void this.#answer(message.id, message.method, message.params, related);
    }
  }

  #notified(method: string, params: JsonObject, related?: RequestId): void {
    if (method === "notifications/progress") {
      const pending = this.#pending.get(params.progressToken as RequestId);
      if (!pending?.options.onProgress || typeof params.progress !== "number") return;
      this.#arm(pending);
      const { progress, total, message } = params as { progress: number; total?: number; message?: string };
      pending.options.onProgress({ progress, total, message });
      return;
    }
    if (method === "notifications/cancelled") {
      this.#answering.get(params.requestId as RequestId)?.abort(
        new ConnectionError(String(params.reason ?? "cancelled by the server")),
      );
      return;
    }
    this.#host.notified(method, params, this.scopeOf(related));
  }

  async #answer(id: RequestId, method: string, params: JsonObject, related?: RequestId): Promise<void> {
    const controller = new AbortController();
    this.#answering.set(id, controller);
    let reply: JsonRpcMessage;
    try {
      const result = method === "ping"
        ? {}
        : await this.#host.answer(method, params, controller.signal, this.scopeOf(related));
      reply = resultResponse(id, result);
    } catch (err) {
      const code = err instanceof ProtocolError ? err.rpcCode : ErrorCode.InternalError;
      reply = errorResponse(id, code, err instanceof Error ? err.message : String(err));
    } finally {
      this.#answering.delete(id);
    }
    if (controller.signal.aborted || this.#closed) return;
    await this.#transport.send(reply).catch(() => {});
  }
}
