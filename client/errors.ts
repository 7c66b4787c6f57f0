/**
 * The errors the client throws, in one place. Each has a stable `code`, so callers branch on the
 * class or the code, never on message text. An error the server answered with is a
 * `ProtocolError` (the same class the server throws); the client's own are `ClientError`s.
 *
 * @module
 */

import { ProtocolError } from "../protocol/errors.ts";
import type { CallToolResult } from "../protocol/types.ts";

export { ProtocolError };

/**
 * Base class of every error the client throws itself.
 *
 * @example
 * ```ts
 * import { ClientError } from "@denomcp/denomcp/client";
 * try {
 *   throw new ClientError("not connected", "not_connected");
 * } catch (err) {
 *   if (err instanceof ClientError) console.log(err.code); // "not_connected"
 * }
 * ```
 */
export class ClientError extends Error {
  /** Stable machine-readable code, e.g. `"tool_error"`, `"timeout"`, `"config"`. */
  readonly code: string;

  /** Creates an error with a message and a stable code. */
  constructor(message: string, code = "client_error", options?: ErrorOptions) {
    super(message, options);
    this.name = "ClientError";
    this.code = code;
  }
}

/**
 * A tool ran and reported failure (`isError: true`). Thrown by `callTool` unless the call passes
 * `raiseOnError: false`; the full result stays available on {@link ToolError.result}.
 *
 * @example
 * ```ts
 * import { ToolError } from "@denomcp/denomcp/client";
 * const err = new ToolError("divide", { content: [{ type: "text", text: "division by zero" }], isError: true });
 * console.log(err.message); // "division by zero"
 * ```
 */
export class ToolError extends ClientError {
  /** Name of the tool that failed. */
  readonly toolName: string;
  /** The result the server sent, with its content blocks. */
  readonly result: CallToolResult;

  /** Builds the error from the failed result; the message is the result's text content. */
  constructor(toolName: string, result: CallToolResult) {
    const text = result.content.filter((c) => c.type === "text").map((c) => (c as { text: string }).text)
      .join("\n");
    super(text || `Tool '${toolName}' failed`, "tool_error");
    this.name = "ToolError";
    this.toolName = toolName;
    this.result = result;
  }
}

/**
 * The server answered a request with a JSON-RPC error: a {@link ProtocolError}, with the number
 * (`rpcCode`) and a stable name (`code`, e.g. `"invalid_params"`).
 *
 * @example
 * ```ts
 * import { McpError } from "@denomcp/denomcp/client";
 * const err = new McpError(-32602, "Unknown tool: nope");
 * console.log(err.rpcCode, err.code); // -32602 "invalid_params"
 * ```
 */
export class McpError extends ProtocolError {
  /** Creates the error from the JSON-RPC error members. */
  constructor(rpcCode: number, message: string, data?: unknown, options?: ErrorOptions) {
    super(rpcCode, message, { data, cause: options?.cause });
    this.name = "McpError";
  }
}

/**
 * Anything the client throws on purpose: its own errors, and the server's JSON-RPC errors.
 *
 * @example
 * ```ts
 * import { type AnyClientError, ClientError, McpError } from "@denomcp/denomcp/client";
 * function describe(err: AnyClientError): string {
 *   return err instanceof McpError ? `server said ${err.code}` : `client: ${err.code}`;
 * }
 * console.log(describe(new ClientError("offline", "connection")));
 * ```
 */
export type AnyClientError = ClientError | McpError;

/**
 * A request got no answer within its timeout. The client has sent `notifications/cancelled`.
 *
 * @example
 * ```ts
 * import { RequestTimeoutError } from "@denomcp/denomcp/client";
 * console.log(new RequestTimeoutError("tools/call", 500).message); // "tools/call timed out after 500 ms"
 * ```
 */
export class RequestTimeoutError extends ClientError {
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;

  /** Creates the error for a method and the timeout that expired. */
  constructor(method: string, timeoutMs: number, options?: ErrorOptions) {
    super(`${method} timed out after ${timeoutMs} ms`, "timeout", options);
    this.name = "RequestTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/**
 * An MCP configuration (`{ "mcpServers": { … } }`) is malformed. The message names the file (when
 * the configuration came from one), the server entry and the problem; so do the fields.
 *
 * @example
 * ```ts
 * import { ConfigError } from "@denomcp/denomcp/client";
 * const err = new ConfigError("has neither 'command' nor 'url'", { file: "mcp.json", server: "weather" });
 * console.log(err.message); // "mcp.json: server 'weather': has neither 'command' nor 'url'"
 * ```
 */
export class ConfigError extends ClientError {
  /** Path of the configuration file, when there is one. */
  readonly file?: string;
  /** Name of the server entry at fault, when the problem is in one entry. */
  readonly server?: string;
  /** What is wrong, without the location. */
  readonly problem: string;

  /** Creates the error; `where` says which file and which entry. */
  constructor(problem: string, where: { file?: string; server?: string } = {}, options?: ErrorOptions) {
    const prefix = [
      where.file,
      where.server === undefined ? undefined : `server '${where.server}'`,
    ].filter((p) => p !== undefined).join(": ");
    super(prefix ? `${prefix}: ${problem}` : problem, "config", options);
    this.name = "ConfigError";
    this.file = where.file;
    this.server = where.server;
    this.problem = problem;
  }
}

/**
 * The client could not reach the server: a command that does not start, an HTTP endpoint that
 * does not answer, a connection that closed.
 *
 * @example
 * ```ts
 * import { ConnectionError } from "@denomcp/denomcp/client";
 * console.log(new ConnectionError("cannot start 'nope'").code); // "connection"
 * ```
 */
export class ConnectionError extends ClientError {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, "connection", options);
    this.name = "ConnectionError";
  }
}
