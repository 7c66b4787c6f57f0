/**
 * A 2025-era session: what `initialize` negotiated, the client's log level and subscriptions,
 * and the server→client requests awaiting an answer.
 *
 * @module
 */

import {
  ErrorCode,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcResponse,
  type RequestId,
} from "../../protocol/jsonrpc.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../../protocol/types.ts";
import type { VisibilityRule } from "../transforms/visibility.ts";
import { McpError } from "../errors.ts";

/** Something in flight that can be told to stop (a request of the session). */
export interface Abortable {
  /** Stops the work; `reason` becomes the abort reason of its signal. */
  abort(reason?: unknown): void;
}

interface Pending {
  resolve(result: JsonObject): void;
  reject(error: Error): void;
}

/**
 * Delivers a message to the client on a channel not tied to any request (the GET stream, stdout).
 * Internal: set by transports on a {@link Session}.
 */
export type UnsolicitedSink = (message: JsonRpcMessage) => boolean;

/**
 * One stateful (2025-era) client. Handed to `onRootsChanged` and reachable from a request's
 * exchange; its fields are the framework's bookkeeping, not a stable API.
 */
export class Session {
  /** Negotiated protocol version. */
  protocolVersion: string;
  /** What the client said about itself. */
  clientInfo?: Implementation;
  /** What the client can do. */
  clientCapabilities: ClientCapabilities = {};
  /** Minimum level of `notifications/message`; undefined sends every level. */
  logLevel?: LoggingLevel;
  /** True after `notifications/initialized`. */
  initialized = false;
  /** The session's own visibility rules (`ctx.enableComponents()` and friends), after the server's. */
  visibility?: VisibilityRule[];
  /**
   * The principal that opened the session (`principalKey`), when the server has `auth`: a session
   * id is never authentication, and another principal presenting it finds no session.
   */
  principal?: string;
  /** URIs the client subscribed to. */
  readonly subscriptions: Set<string> = new Set();
  /** @internal requests in flight, by id, so `notifications/cancelled` can stop them */
  readonly inflight: Map<RequestId, Abortable> = new Map();
  /** When the session began (for `mcp.server.session.duration`). */
  readonly createdMs: number = Date.now();
  /** The transport the session lives on. */
  transport: "http" | "stdio" | "memory" = "http";
  /** Time of the last request, for idle expiry. */
  lastActiveMs: number = Date.now();
  /** @internal where unsolicited messages go; set by the transport */
  unsolicited?: UnsolicitedSink;
  /** When this copy last matched the shared store. */
  syncedMs = 0;
  /** Persists the session after a change (installed by a registry with a shared store). */
  onSave?: () => Promise<void>;
  /** The write of the latest change, until it lands; answers wait for it so other instances see the change. */
  pendingSave?: Promise<void>;
  /**
   * Waits for a client's answer that may arrive on another isolate (installed by a registry
   * with a shared store); returns the function that stops waiting.
   */
  awaitRemote?: (requestId: string, deliver: (response: JsonRpcResponse) => void) => () => void;
  #pending = new Map<RequestId, Pending>();
  #nextId = 0;
  #closed = false;

  /** Creates a session with a negotiated version. */
  constructor(readonly id: string, protocolVersion: string) {
    this.protocolVersion = protocolVersion;
  }

  /** Persists a change (log level, subscriptions, initialisation) where sessions are shared. */
  save(): void {
    const saving = this.onSave?.();
    if (!saving) return;
    const settled = saving.finally(() => {
      if (this.pendingSave === settled) this.pendingSave = undefined;
    });
    this.pendingSave = settled;
  }

  /** True once the session has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends a request to the client through `send` and waits for its answer, the signal, or the
   * timeout, whichever comes first.
   */
  request(
    send: (message: JsonRpcMessage) => void,
    method: string,
    params: JsonObject,
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<JsonObject> {
    if (this.#closed) return Promise.reject(new McpError(ErrorCode.InternalError, "the session has ended"));
    const id = `s-${++this.#nextId}`;
    return new Promise<JsonObject>((resolve, reject) => {
      const timer = setTimeout(() => {
        finish();
        reject(
          new McpError(
            ErrorCode.RequestTimeout,
            `the client did not answer ${method} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      const onAbort = () => {
        finish();
        send({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: id, reason: "cancelled" },
        });
        reject(signal.reason instanceof Error ? signal.reason : new Error("cancelled"));
      };
      const stopRemote = this.awaitRemote?.(id, (response) => this.resolve(response));
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#pending.delete(id);
        stopRemote?.();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (r) => {
          finish();
          resolve(r);
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      });
      send({ jsonrpc: "2.0", id, method, params });
    });
  }

  /** Routes a response from the client to the request waiting for it. False when none waits. */
  resolve(response: JsonRpcResponse): boolean {
    const pending = response.id === null ? undefined : this.#pending.get(response.id);
    if (!pending) return false;
    if (response.error) {
      pending.reject(
        new McpError(response.error.code, response.error.message, { data: response.error.data }),
      );
    } else pending.resolve(response.result ?? {});
    return true;
  }

  /** Ends the session: cancels its work and fails whatever waits on the client. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const controller of this.inflight.values()) controller.abort(new Error("session closed"));
    this.inflight.clear();
    for (const pending of this.#pending.values()) {
      pending.reject(new McpError(ErrorCode.InternalError, "the session has ended"));
    }
    this.#pending.clear();
    this.unsolicited = undefined;
  }
}
