/**
 * Errors a handler may throw, each with a stable `code` and a `logLevel` that decides how loudly
 * the server logs it. How each maps onto the wire lives in one place: {@link toJsonRpcError}.
 *
 * @module
 */

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
 * Base class of errors that reach the client as a JSON-RPC error with a chosen code.
 *
 * @example
 * ```ts
 * import { McpError, ErrorCode } from "@denomcp/denomcp";
 * throw new McpError(ErrorCode.InvalidParams, "unknown city", { data: { city: "Atlantis" } });
 * ```
 */
export class McpError extends Error {
  /** JSON-RPC error code. */
  readonly code: number;
  /** Optional `error.data`. */
  readonly data?: unknown;
  /** Level at which the server logs this error. */
  readonly logLevel: LoggingLevel;

  /** Creates an error with a JSON-RPC code, message and optional data. */
  constructor(code: number, message: string, options: ErrorOptions & { data?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "McpError";
    this.code = code;
    this.data = options.data;
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
  /** Stable code for callers that branch on type. */
  readonly code = "TOOL_ERROR";

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
    super(ErrorCode.InternalError, message, options);
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
    super(ErrorCode.InternalError, message, options);
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
    super(ErrorCode.InvalidParams, message, { logLevel: "info", ...options });
    this.name = "NotFoundError";
  }
}

/**
 * Converts anything thrown by a handler into a JSON-RPC error object. Unknown errors keep their
 * message unless `mask` is set, in which case only `fallback` reaches the client.
 */
export function toJsonRpcError(error: unknown, mask: boolean, fallback: string): JsonRpcErrorObject {
  if (error instanceof McpError) {
    return error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data };
  }
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
  return "error";
}
