/**
 * `TimingMiddleware`: how long each request took, logged when it answers or fails.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import type { LoggingLevel } from "../../protocol/types.ts";
import { errorMessage } from "../errors.ts";
import type { LogSink } from "../logger.ts";
import { type MaybePromise, settle } from "./compose.ts";
import type { Middleware, MiddlewareContext, MiddlewareHost, Next } from "./middleware.ts";
import { redactText, targetOf } from "./redact.ts";

/** Options of {@link TimingMiddleware}. */
export interface TimingOptions {
  /**
   * Where the lines go, in the shape of `FastMCP`'s `logger`; each line comes with the fields
   * `{ method, name?, durationMs, ok }`. Default: the server's own logger (so its `logLevel`
   * applies), or stderr when the middleware is used outside a server.
   */
  logger?: LogSink;
  /** The level of every line. Default `"info"`. */
  logLevel?: LoggingLevel;
}

/**
 * Logs the duration of every request (notifications have no answer to time), in milliseconds
 * from `performance.now()`: `tools/call add completed in 3.10 ms`, or `… failed after 3.10 ms:
 * message`. A tool call answered with `isError` completed, with a tool error, and says so. The
 * tool or prompt name, or the resource URI (credentials redacted), follows the method.
 *
 * A chain of synchronous hooks stays synchronous: timing a request costs no promise.
 *
 * @example
 * ```ts
 * import { FastMCP, TimingMiddleware } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo", middleware: [new TimingMiddleware({ logLevel: "debug" })] });
 * ```
 */
export class TimingMiddleware implements Middleware {
  #log: LogSink;
  readonly #ownLogger: boolean;
  readonly #level: LoggingLevel;

  /** Creates the middleware. */
  constructor(options: TimingOptions = {}) {
    this.#ownLogger = options.logger !== undefined;
    this.#log = options.logger ?? ((level, message) => console.error(`[timing] ${level}: ${message}`));
    this.#level = options.logLevel ?? "info";
  }

  /** Logs through the server's logger, unless a logger was given. */
  install(host: MiddlewareHost): void {
    if (!this.#ownLogger) this.#log = (level, message) => host.log(level, message);
  }

  /** Times the rest of the chain. */
  onRequest(context: MiddlewareContext, next: Next): MaybePromise<JsonObject | undefined> {
    const started = performance.now();
    const failed = (error: unknown): never => {
      this.#report(context, performance.now() - started, { error });
      throw error;
    };
    const answered = (result: JsonObject | undefined) => {
      this.#report(context, performance.now() - started, { result });
      return result;
    };
    return settle(() => next(context), answered, failed);
  }

  #report(
    context: MiddlewareContext,
    elapsedMs: number,
    outcome: { result: JsonObject | undefined } | { error: unknown },
  ): void {
    const name = targetOf(context.method, context.params);
    const what = name === undefined ? context.method : `${context.method} ${name}`;
    const durationMs = Math.round(elapsedMs * 100) / 100;
    const ms = elapsedMs.toFixed(2);
    const ok = "result" in outcome;
    const fields: Record<string, unknown> = { method: context.method, durationMs, ok };
    if (name !== undefined) fields.name = name;
    if (!ok) {
      this.#log(
        this.#level,
        `${what} failed after ${ms} ms: ${redactText(errorMessage(outcome.error))}`,
        fields,
      );
    } else if (outcome.result?.isError === true) {
      this.#log(this.#level, `${what} completed in ${ms} ms with a tool error`, fields);
    } else {
      this.#log(this.#level, `${what} completed in ${ms} ms`, fields);
    }
  }
}
