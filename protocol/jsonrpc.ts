/**
 * JSON-RPC 2.0 envelope types and the error codes MCP uses, shared by server and client.
 *
 * @module
 */

/** A JSON-RPC request id. */
export type RequestId = string | number;

/** A JSON object, as MCP params and results are. */
export type JsonObject = { [key: string]: unknown };

/** A JSON-RPC request (has an id) or notification (has none). */
export interface JsonRpcRequest {
  /** Protocol marker: always `"2.0"`. */
  jsonrpc: "2.0";
  /** Request id, echoed in the response; absent on notifications. */
  id?: RequestId;
  /** Name of the method to invoke, e.g. `tools/call`. */
  method: string;
  /** Named parameters of the call. */
  params?: JsonObject;
}

/** A JSON-RPC error object. */
export interface JsonRpcErrorObject {
  /** Error code; see {@link ErrorCode}. */
  code: number;
  /** Short human-readable description of the error. */
  message: string;
  /** Additional information about the error, defined by the sender. */
  data?: unknown;
}

/** A JSON-RPC response: exactly one of `result` and `error` is present. */
export interface JsonRpcResponse {
  /** Protocol marker: always `"2.0"`. */
  jsonrpc: "2.0";
  /** Id of the request answered; `null` when it could not be determined (e.g. a parse error). */
  id: RequestId | null;
  /** The method's result, on success. */
  result?: JsonObject;
  /** What went wrong, on failure. */
  error?: JsonRpcErrorObject;
}

/** Any message on an MCP connection. */
export type JsonRpcMessage = JsonRpcRequest | JsonRpcResponse;

/**
 * Error codes, in one place: JSON-RPC's own, and the ones MCP revisions add.
 *
 * @example
 * ```ts
 * import { ErrorCode } from "@denomcp/denomcp";
 * console.log(ErrorCode.InvalidParams); // -32602
 * ```
 */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** 2025-era "resource not found" (2026-07-28 uses InvalidParams with `data.uri`). */
  ResourceNotFound: -32002,
  /** 2026-07-28: an HTTP routing header disagrees with the body, or a required one is missing. */
  HeaderMismatch: -32020,
  /** 2026-07-28: the request needs a client capability the client did not declare. */
  MissingClientCapability: -32021,
  /** 2026-07-28: the requested protocol version is not served. */
  UnsupportedProtocolVersion: -32022,
  /** The client must complete a URL-mode elicitation first. */
  UrlElicitationRequired: -32042,
  /** Request cancelled or timed out (used for our own timeouts). */
  RequestTimeout: -32001,
  /**
   * The caller may not use what it asked for (denomcp's; JSON-RPC leaves -32000..-32019 to
   * implementations). With `data.requiredScopes`, HTTP answers 403 `insufficient_scope`.
   */
  Forbidden: -32003,
  /**
   * A rate limit refused the request (denomcp's); `data.retryAfterMs` says when to try again, and
   * HTTP answers it with 429 and `Retry-After`.
   */
  RateLimited: -32004,
} as const;

/** Builds a JSON-RPC error response. */
export function errorResponse(
  id: RequestId | null,
  code: number,
  message: string,
  data?: unknown,
): JsonRpcResponse {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: "2.0", id, error };
}

/** Builds a JSON-RPC result response. */
export function resultResponse(id: RequestId, result: JsonObject): JsonRpcResponse {
  return { jsonrpc: "2.0", id, result };
}

/** True when `value` is a plain object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when a decoded message is a response (has result or error and no method). */
export function isResponse(msg: JsonObject): boolean {
  return msg.method === undefined && ("result" in msg || "error" in msg);
}
