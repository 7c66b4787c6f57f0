/**
 * One request being served: everything a handler may need to know about where it came from,
 * and the ways back to the client. Transports build it; the dispatcher and `Context` read it.
 *
 * @module
 */

import type { JsonObject, JsonRpcMessage, RequestId } from "../protocol/jsonrpc.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../protocol/types.ts";
import type { Era } from "../protocol/versions.ts";
import type { InputRound } from "./input_required.ts";
import type { Session } from "./session.ts";

/** Which transport carried the request. */
export type TransportKind = "http" | "stdio" | "memory";

/** A request in flight. */
export interface Exchange {
  readonly era: Era;
  readonly protocolVersion: string;
  readonly id: RequestId;
  readonly method: string;
  readonly params: JsonObject;
  readonly clientCapabilities: ClientCapabilities;
  readonly clientInfo?: Implementation;
  /**
   * Minimum level for `notifications/message` on this request. On 2026-07-28 it comes from the
   * request's `_meta` and `undefined` means "send none"; on 2025 it is the session's level.
   */
  readonly logLevel?: LoggingLevel;
  /** Whether log messages may be sent at all (false on 2026 requests without a log level). */
  readonly logging: boolean;
  readonly progressToken?: string | number;
  /** The 2025-era session, if any. */
  readonly session?: Session;
  /** Aborted when the client cancels or disconnects, or the server shuts down. */
  readonly signal: AbortSignal;
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
}

/** Reads the progress token from a request's `_meta`. */
export function progressTokenOf(params: JsonObject): string | number | undefined {
  const token = (params._meta as { progressToken?: unknown } | undefined)?.progressToken;
  return typeof token === "string" || typeof token === "number" ? token : undefined;
}
