/**
 * `RequestFacts`: what is known about one request, as plain data. Exchanges carry it, task
 * records keep it, workers receive it, middleware reads it; adding a fact (the auth principal,
 * say) is one edit here and one where requests are built (`receive.ts`).
 *
 * @module
 */

import type { RequestId } from "../../protocol/jsonrpc.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../../protocol/types.ts";
import type { Era } from "../../protocol/versions.ts";
import type { Principal } from "../../auth/access_token.ts";

/** Which transport carried the request: streamable HTTP, stdio, or an in-process (memory) connection. */
export type TransportKind = "http" | "stdio" | "memory";

/**
 * The facts of a request. Serializable (structured-clone safe), so that the same value travels
 * into a worker or a task record.
 *
 * @example
 * ```ts
 * import type { RequestFacts } from "@denomcp/denomcp";
 * function describe(facts: RequestFacts): string {
 *   return `${facts.method} #${facts.requestId} over ${facts.transport} (${facts.protocolVersion})`;
 * }
 * ```
 */
export interface RequestFacts {
  /** `"legacy"` (2025 and older, sessions) or `"modern"` (2026-07-28, stateless). */
  readonly era: Era;
  /** The request's protocol version. */
  readonly protocolVersion: string;
  /** The JSON-RPC id of the request. */
  readonly requestId: RequestId;
  /** The JSON-RPC method, e.g. `tools/call`. */
  readonly method: string;
  /** Which transport carried the request. */
  readonly transport: TransportKind;
  /** What the client can do: from `initialize` on 2025, from the request itself on 2026-07-28. */
  readonly clientCapabilities: ClientCapabilities;
  /** What the client said about itself, when it did. */
  readonly clientInfo?: Implementation;
  /** The 2025-era session, if any. */
  readonly sessionId?: string;
  /**
   * Minimum level for `notifications/message`. On 2026-07-28 it comes from the request's
   * `_meta` and `undefined` means "send none"; on 2025 it is the session's level.
   */
  readonly logLevel?: LoggingLevel;
  /** The `_meta.progressToken` of the request, if the client asked for progress notifications. */
  readonly progressToken?: string | number;
  /** The MCP task the call runs in, when it runs as one. */
  readonly taskId?: string;
  /** Who the request speaks for: its verified access token, without the token itself. */
  readonly principal?: Principal;
}

/** Whether log messages may be sent for a request (2026 requests without a log level get none). */
export function mayLog(facts: RequestFacts): boolean {
  return facts.era === "legacy" || facts.logLevel !== undefined;
}
