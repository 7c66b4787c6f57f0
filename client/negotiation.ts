/**
 * How the client tells the eras apart (2026-07-28 `server/discover` against the 2025 handshake),
 * following the spec's rules rather than one error code: which probe failures are evidence of a
 * 2025 server, and the one corrective retry a -32022 allows.
 *
 * @module
 */

import { ErrorCode, isObject } from "../protocol/jsonrpc.ts";
import { MODERN_PROTOCOL_VERSION, MODERN_PROTOCOL_VERSIONS } from "../protocol/versions.ts";
import { McpError, RequestTimeoutError } from "./errors.ts";
import { HttpStatusError } from "./engine/streamable_http.ts";
import type { ClientTransport } from "./engine/transport.ts";

/** How long a stdio server gets to answer the `server/discover` probe before it counts as a 2025 server. */
export const STDIO_PROBE_MS = 10_000;

/** A version from a -32022 error's `data.supported` that this client speaks (the pinned one, if pinned). */
export function correctiveVersion(data: unknown, pinned?: string): string | undefined {
  const supported = isObject(data) && Array.isArray(data.supported) ? data.supported : [];
  if (pinned !== undefined) return undefined;
  return MODERN_PROTOCOL_VERSIONS.find((v) => supported.includes(v));
}

/**
 * Whether the probe's failure says "a 2025 server": any JSON-RPC error except the 2026 ones that
 * name a fault in the request, an HTTP 4xx that is not about credentials or a missing endpoint,
 * and, on stdio, silence or a process that gave up on the unknown method.
 */
export function isLegacyEvidence(err: unknown, kind: ClientTransport["kind"]): boolean {
  if (err instanceof McpError && err.rpcCode === ErrorCode.UnsupportedProtocolVersion) {
    // Reached only when the server offers no 2026 revision this client speaks.
    const supported = isObject(err.data) && Array.isArray(err.data.supported) ? err.data.supported : [];
    return !supported.some((v) => typeof v === "string" && v >= MODERN_PROTOCOL_VERSION);
  }
  if (err instanceof McpError) {
    return err.rpcCode !== ErrorCode.HeaderMismatch && err.rpcCode !== ErrorCode.MissingClientCapability &&
      err.rpcCode !== ErrorCode.UnsupportedProtocolVersion && err.rpcCode !== ErrorCode.InternalError;
  }
  if (err instanceof HttpStatusError) {
    return err.status >= 400 && err.status < 500 && ![401, 403, 404].includes(err.status);
  }
  return kind === "stdio" && err instanceof RequestTimeoutError;
}
