/**
 * `ProtocolError`: a JSON-RPC error, the same class under the server's and the client's errors.
 * Every one has the number the wire carries (`rpcCode`) and a stable string `code` to branch on
 * (`"invalid_params"`, `"method_not_found"`, …), named from one table.
 *
 * @module
 */

import { ErrorCode, type JsonRpcErrorObject } from "./jsonrpc.ts";

/**
 * Stable names of the JSON-RPC codes MCP uses. Frozen and without a prototype, so that indexing it
 * with a code off the wire finds only these entries.
 */
export const ERROR_CODE_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.assign(Object.create(null), {
    [ErrorCode.ParseError]: "parse_error",
    [ErrorCode.InvalidRequest]: "invalid_request",
    [ErrorCode.MethodNotFound]: "method_not_found",
    [ErrorCode.InvalidParams]: "invalid_params",
    [ErrorCode.InternalError]: "internal_error",
    [ErrorCode.ResourceNotFound]: "resource_not_found",
    [ErrorCode.HeaderMismatch]: "header_mismatch",
    [ErrorCode.MissingClientCapability]: "missing_client_capability",
    [ErrorCode.UnsupportedProtocolVersion]: "unsupported_protocol_version",
    [ErrorCode.UrlElicitationRequired]: "url_elicitation_required",
    [ErrorCode.RequestTimeout]: "request_timeout",
    [ErrorCode.Forbidden]: "forbidden",
    [ErrorCode.RateLimited]: "rate_limited",
  }),
);

/** The stable name of a JSON-RPC code: its entry in {@link ERROR_CODE_NAMES}, or `"rpc_error"`. */
export function errorCodeName(rpcCode: number): string {
  return Object.hasOwn(ERROR_CODE_NAMES, rpcCode) ? ERROR_CODE_NAMES[rpcCode] : "rpc_error";
}

/** Options of a {@link ProtocolError}. */
export interface ProtocolErrorOptions {
  /** The error's `data` member. */
  data?: unknown;
  /** The underlying error, kept for logs. */
  cause?: unknown;
  /** The stable code, when a subclass names it more precisely than the JSON-RPC code does. */
  code?: string;
}

/**
 * A JSON-RPC error: what a server answers a request with, and what a client receives.
 *
 * @example
 * ```ts
 * import { ErrorCode, ProtocolError } from "@denomcp/denomcp";
 * const err = new ProtocolError(ErrorCode.InvalidParams, "unknown city", { data: { city: "Atlantis" } });
 * console.log(err.code, err.rpcCode); // "invalid_params" -32602
 * console.log(ProtocolError.fromJsonRpc(err.toJsonRpc()).message); // "unknown city"
 * ```
 */
export class ProtocolError extends Error {
  /** Stable name to branch on, e.g. `"invalid_params"`. */
  readonly code: string;
  /** The JSON-RPC error code the wire carries. */
  readonly rpcCode: number;
  /** The error's `data` member, if any. */
  readonly data?: unknown;

  /** Creates an error with a JSON-RPC code, a message and options. */
  constructor(rpcCode: number, message: string, options: ProtocolErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ProtocolError";
    this.rpcCode = rpcCode;
    this.code = options.code ?? errorCodeName(rpcCode);
    if (options.data !== undefined) this.data = options.data;
  }

  /** The JSON-RPC `error` member. */
  toJsonRpc(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.rpcCode, message: this.message }
      : { code: this.rpcCode, message: this.message, data: this.data };
  }

  /** The error a JSON-RPC `error` member describes. */
  static fromJsonRpc(error: JsonRpcErrorObject): ProtocolError {
    return new ProtocolError(error.code, error.message, { data: error.data });
  }
}
