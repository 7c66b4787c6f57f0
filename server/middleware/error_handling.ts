/**
 * `ErrorHandlingMiddleware`: every failure below it logged, counted by kind and method, handed
 * to a callback, and (unless told otherwise) turned into a JSON-RPC error with a fitting code.
 *
 * @module
 */

import { ProtocolError } from "../../protocol/errors.ts";
import { ErrorCode, type JsonObject } from "../../protocol/jsonrpc.ts";
import { InputRequiredSignal } from "../engine/input_state.ts";
import { errorMessage, logLevelOf, McpError } from "../errors.ts";
import type { LogSink } from "../logger.ts";
import { StartTaskSignal } from "../tasks/wire.ts";
import { type MaybePromise, settle } from "./compose.ts";
import type { Middleware, MiddlewareContext, MiddlewareHost, Next } from "./middleware.ts";
import { redactText } from "./redact.ts";

/** Options of {@link ErrorHandlingMiddleware}. */
export interface ErrorHandlingOptions {
  /**
   * Where failures are logged, each at the error's own level (`McpError.logLevel`; `error` for
   * an unexpected one). Default: the server's own logger (so its `logLevel` applies), or stderr
   * when the middleware is used outside a server.
   */
  logger?: LogSink;
  /** Whether the log line carries the error's stack. Default `false`. */
  includeTraceback?: boolean;
  /**
   * Whether an error that is not already a JSON-RPC error (`ProtocolError`, `McpError`) is
   * rethrown as an `McpError` with a code that fits it. Default `true`; otherwise the error goes on
   * as it is and the server answers it as an internal error.
   */
  transformErrors?: boolean;
  /** Called with each error (before it is transformed) and the message's context; a throw from it is logged and ignored. */
  errorCallback?: (error: unknown, context: MiddlewareContext) => void;
  /**
   * Whether a transformed error's message leaves out the original message (only its kind, e.g.
   * `"Internal error"`). Set it when the server masks error details (`maskErrorDetails`): a
   * transformed error is a JSON-RPC error the server passes on as it is. Default `false`.
   */
  maskErrorDetails?: boolean;
}

/** What an error becomes: a code, a label for the message, and `data`. */
interface Mapped {
  readonly rpcCode: number;
  readonly label: string;
  readonly data?: unknown;
}

// Names of the errors Deno, the web platform and Node give the same conditions (`Deno.errors.*`,
// `DOMException`, and Node-style `code`s from npm packages).
const INVALID = new Set(["TypeError", "RangeError", "SyntaxError"]);
const NOT_FOUND = new Set(["NotFound", "NotFoundError", "ENOENT"]);
const PERMISSION = new Set(["PermissionDenied", "NotCapable", "EACCES", "EPERM"]);
const TIMEOUT = new Set(["TimeoutError", "TimedOut", "ETIMEDOUT"]);

/**
 * The JSON-RPC code of an error that is not one yet, after FastMCP's table. Like FastMCP, the
 * error's `cause` decides when it has one (a wrapped failure is classified by what failed).
 * Two codes differ from FastMCP's, because here -32001 means request timeout: a missing
 * resource is -32002 on 2025 (`data.uri`) and invalid params with `data.uri` on 2026-07-28, as
 * each revision specifies, and anything else missing is invalid params, as an unknown tool is.
 */
function mapError(error: unknown, context: MiddlewareContext): Mapped {
  const kind = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const name = kind instanceof Error ? kind.name : "";
  const code = (kind as { code?: unknown } | null)?.code;
  const is = (names: Set<string>) => names.has(name) || (typeof code === "string" && names.has(code));
  if (is(INVALID)) return { rpcCode: ErrorCode.InvalidParams, label: "Invalid params" };
  if (is(NOT_FOUND)) {
    const uri = context.params.uri;
    if (context.method.startsWith("resources/") && typeof uri === "string") {
      const rpcCode = context.era === "legacy" ? ErrorCode.ResourceNotFound : ErrorCode.InvalidParams;
      return { rpcCode, label: "Resource not found", data: { uri } };
    }
    return { rpcCode: ErrorCode.InvalidParams, label: "Not found" };
  }
  // -32000: the first of the implementation-defined server errors, as FastMCP answers it.
  if (is(PERMISSION)) return { rpcCode: -32000, label: "Permission denied" };
  if (is(TIMEOUT)) return { rpcCode: ErrorCode.RequestTimeout, label: "Request timeout" };
  if (name === "AbortError") return { rpcCode: ErrorCode.RequestTimeout, label: "Request cancelled" };
  return { rpcCode: ErrorCode.InternalError, label: "Internal error" };
}

/** The name of an error's kind, for counts and logs: its `name`, or the type of a thrown non-error. */
function kindOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Catches what fails below it, for every message: logs it (with the stack if asked), counts it
 * as `` `${errorType}:${method}` `` in {@link ErrorHandlingMiddleware.errorCounts}, calls
 * `errorCallback`, and rethrows. With `transformErrors` (the default), an error that is not a
 * JSON-RPC error becomes an `McpError` whose code fits it and whose message names it:
 *
 * | thrown (or its `cause`) | code |
 * | --- | --- |
 * | `TypeError`, `RangeError`, `SyntaxError` | -32602 invalid params |
 * | `Deno.errors.NotFound`, `ENOENT` | on `resources/*`: -32002 (2025) or -32602 (2026-07-28), with `data.uri`; else -32602 |
 * | `Deno.errors.PermissionDenied`, `NotCapable`, `EACCES`, `EPERM` | -32000 |
 * | `TimeoutError` (`AbortSignal.timeout`), `Deno.errors.TimedOut`, `ETIMEDOUT` | -32001 request timeout |
 * | `AbortError` | -32001 (request cancelled) |
 * | anything else | -32603 internal error |
 *
 * A `ProtocolError` (an `McpError`, `NotFoundError`, …) passes unchanged. A tool's own failure is
 * not an error here: the server has already made it an `isError` result the model can read.
 *
 * @example
 * ```ts
 * import { ErrorHandlingMiddleware, FastMCP } from "@denomcp/denomcp";
 * const errors = new ErrorHandlingMiddleware({
 *   errorCallback: (error, context) => console.error(`alert: ${context.method} failed`, error),
 * });
 * const mcp = new FastMCP({ name: "demo", middleware: [errors] });
 * // later, for a health endpoint: { "TypeError:resources/read": 2 }
 * console.log(errors.errorCounts);
 * ```
 */
export class ErrorHandlingMiddleware implements Middleware {
  #log: LogSink;
  readonly #ownLogger: boolean;
  readonly #includeTraceback: boolean;
  readonly #transformErrors: boolean;
  readonly #maskErrorDetails: boolean;
  readonly #errorCallback?: (error: unknown, context: MiddlewareContext) => void;
  readonly #counts = new Map<string, number>();

  /** Creates the middleware. */
  constructor(options: ErrorHandlingOptions = {}) {
    this.#ownLogger = options.logger !== undefined;
    this.#log = options.logger ?? ((level, message) => console.error(`[errors] ${level}: ${message}`));
    this.#includeTraceback = options.includeTraceback ?? false;
    this.#transformErrors = options.transformErrors ?? true;
    this.#maskErrorDetails = options.maskErrorDetails ?? false;
    this.#errorCallback = options.errorCallback;
  }

  /** Logs through the server's logger, unless a logger was given. */
  install(host: MiddlewareHost): void {
    if (!this.#ownLogger) this.#log = (level, message) => host.log(level, message);
  }

  /** How many errors of each kind each method had, as `{ "TypeError:tools/call": 2 }`: a copy. */
  get errorCounts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }

  /** Runs the rest of the chain and handles what it throws. */
  onMessage(context: MiddlewareContext, next: Next): MaybePromise<JsonObject | undefined> {
    const failed = (error: unknown): never => {
      throw this.#handle(error, context);
    };
    return settle(() => next(context), (result) => result, failed);
  }

  /** Logs, counts and reports `error`; returns what to throw in its place. */
  #handle(error: unknown, context: MiddlewareContext): unknown {
    // The server's own control flow (an input round, a task starting), not failures.
    if (error instanceof InputRequiredSignal || error instanceof StartTaskSignal) return error;
    const kind = kindOf(error);
    const key = `${kind}:${context.method}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    const line = `Error in ${context.method}: ${kind}: ${redactText(errorMessage(error))}`;
    const stack = this.#includeTraceback && error instanceof Error && error.stack ? `\n${error.stack}` : "";
    this.#log(logLevelOf(error), line + stack, { method: context.method, errorType: kind });
    if (this.#errorCallback) {
      try {
        this.#errorCallback(error, context);
      } catch (callbackError) {
        this.#log("error", `Error in the error callback: ${errorMessage(callbackError)}`);
      }
    }
    if (!this.#transformErrors || error instanceof ProtocolError) return error;
    const { rpcCode, label, data } = mapError(error, context);
    // The catch-all names the kind too: "Internal error: ReferenceError: x is not defined".
    const detail = rpcCode === ErrorCode.InternalError
      ? `${kind}: ${errorMessage(error)}`
      : errorMessage(error);
    const message = this.#maskErrorDetails ? label : `${label}: ${detail}`;
    return new McpError(rpcCode, message, { data, cause: error, logLevel: "error" });
  }
}
