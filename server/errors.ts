/**
 * Errors a handler may throw, each with a stable string `code` and a `logLevel` that decides how
 * loudly the server logs it. JSON-RPC errors are `ProtocolError`s (shared with the client);
 * how anything thrown maps onto the wire lives in one place: {@link toJsonRpcError}.
 *
 * @module
 */

import { ProtocolError } from "../protocol/errors.ts";
import { ErrorCode, type JsonRpcErrorObject } from "../protocol/jsonrpc.ts";
import type { LoggingLevel } from "../protocol/types.ts";

/** Options shared by denomcp's errors. */
export interface ErrorOptions {
  /** Level at which the server logs this error; `"debug"` keeps expected failures quiet. */
  logLevel?: LoggingLevel;
  /** The underlying error, kept for logs. */
  cause?: unknown;
}

/**
 * Base class of errors that reach the client as a JSON-RPC error with a chosen code: a
 * {@link ProtocolError} (`rpcCode` on the wire, a stable string `code` to branch on) that knows
 * how loudly to log itself.
 *
 * @example
 * ```ts
 * import { ErrorCode, McpError } from "@denomcp/denomcp";
 * const err = new McpError(ErrorCode.InvalidParams, "unknown city", { data: { city: "Atlantis" } });
 * console.log(err.code, err.rpcCode); // "invalid_params" -32602
 * ```
 */
export class McpError extends ProtocolError {
  /** Level at which the server logs this error. */
  readonly logLevel: LoggingLevel;

  /** Creates an error with a JSON-RPC code, message and optional data. */
  constructor(
    rpcCode: number,
    message: string,
    options: ErrorOptions & { data?: unknown; code?: string } = {},
  ) {
    super(rpcCode, message, { data: options.data, cause: options.cause, code: options.code });
    this.name = "McpError";
    this.logLevel = options.logLevel ?? "warning";
  }
}

/**
 * Thrown by a tool to report a failure the model should see: the call answers with
 * `isError: true` and this message, never masked.
 *
 * @example
 * ```ts
 * import { ToolError } from "@denomcp/denomcp";
 * throw new ToolError("city not found", { logLevel: "debug" });
 * ```
 */
export class ToolError extends Error {
  /** Level at which the server logs this error. */
  readonly logLevel: LoggingLevel;
  /** Stable code for callers that branch on it. */
  readonly code = "tool_error";

  /** Creates a tool error with the message the client sees. */
  constructor(message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = "ToolError";
    this.logLevel = options.logLevel ?? "warning";
  }
}

/**
 * Thrown by a resource handler: the read fails with this message, never masked.
 *
 * @example
 * ```ts
 * import { ResourceError } from "@denomcp/denomcp";
 * throw new ResourceError("the file is locked");
 * ```
 */
export class ResourceError extends McpError {
  /** Creates a resource error with the message the client sees. */
  constructor(message: string, options: ErrorOptions = {}) {
    super(ErrorCode.InternalError, message, { code: "resource_error", ...options });
    this.name = "ResourceError";
  }
}

/**
 * Thrown by a prompt handler: `prompts/get` fails with this message, never masked.
 *
 * @example
 * ```ts
 * import { PromptError } from "@denomcp/denomcp";
 * throw new PromptError("that topic is not allowed");
 * ```
 */
export class PromptError extends McpError {
  /** Creates a prompt error with the message the client sees. */
  constructor(message: string, options: ErrorOptions = {}) {
    super(ErrorCode.InternalError, message, { code: "prompt_error", ...options });
    this.name = "PromptError";
  }
}

/**
 * Thrown when a named component does not exist: answers `-32602` (invalid params).
 *
 * @example
 * ```ts
 * import { NotFoundError } from "@denomcp/denomcp";
 * throw new NotFoundError("Unknown tool: 'x'");
 * ```
 */
export class NotFoundError extends McpError {
  /** Creates a not-found error. */
  constructor(message: string, options: ErrorOptions & { data?: unknown } = {}) {
    super(ErrorCode.InvalidParams, message, { logLevel: "info", code: "not_found", ...options });
    this.name = "NotFoundError";
  }
}

/**
 * Converts anything thrown by a handler into a JSON-RPC error object. Unknown errors keep their
 * message unless `mask` is set, in which case only `fallback` reaches the client.
 */
export function toJsonRpcError(error: unknown, mask: boolean, fallback: string): JsonRpcErrorObject {
  if (error instanceof ProtocolError) return error.toJsonRpc();
  const message = mask ? fallback : `${fallback}: ${errorMessage(error)}`;
  return { code: ErrorCode.InternalError, message };
}

/** The message of anything thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The level at which a thrown value should be logged. */
export function logLevelOf(error: unknown): LoggingLevel {
  if (error instanceof McpError || error instanceof ToolError) return error.logLevel;
  return error instanceof ProtocolError ? "warning" : "error";
}
