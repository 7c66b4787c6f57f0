/**
 * `LoggingMiddleware`: one human-readable line as each message arrives, and one as it is
 * answered or fails. Secrets never reach the log (see `redact.ts`).
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { errorMessage } from "../errors.ts";
import { type MaybePromise, settle } from "./compose.ts";
import type { Middleware, MiddlewareContext, Next } from "./middleware.ts";
import { printablePayload, redactText, targetOf } from "./redact.ts";

/** Options of {@link LoggingMiddleware} (and of `StructuredLoggingMiddleware`). */
export interface LoggingOptions {
  /** Where each line goes. Default: stderr (`console.error`; stdout belongs to the stdio transport). */
  logger?: (line: string) => void;
  /**
   * Whether lines carry the request's params and the result, redacted and cut to
   * `maxPayloadLength`. Default `false`: payloads are the user's data.
   */
  includePayloads?: boolean;
  /** The most characters of a payload a line carries; longer ones are cut with a marker. Default 1000. */
  maxPayloadLength?: number;
  /** Only these methods are logged (e.g. `["tools/call"]`). Default: every message. */
  methods?: readonly string[];
}

/** The options of a logging middleware, checked once. */
export interface LoggingSettings {
  readonly logger: (line: string) => void;
  readonly includePayloads: boolean;
  readonly maxPayloadLength: number;
  readonly methods?: ReadonlySet<string>;
}

/**
 * Checks and completes logging options; throws a TypeError (naming `owner`) for a
 * `maxPayloadLength` that is not a positive integer.
 *
 * @example
 * ```ts
 * const settings = loggingSettings({ methods: ["tools/call"] }, "LoggingMiddleware");
 * console.log(settings.maxPayloadLength, settings.methods?.has("tools/call")); // 1000 true
 * ```
 */
export function loggingSettings(options: LoggingOptions, owner: string): LoggingSettings {
  const maxPayloadLength = options.maxPayloadLength ?? 1000;
  if (!Number.isInteger(maxPayloadLength) || maxPayloadLength <= 0) {
    throw new TypeError(`${owner}: maxPayloadLength must be a positive integer, got ${maxPayloadLength}`);
  }
  return {
    logger: options.logger ?? ((line) => console.error(line)),
    includePayloads: options.includePayloads ?? false,
    maxPayloadLength,
    methods: options.methods ? new Set(options.methods) : undefined,
  };
}

/**
 * Logs every message (or those of `methods`) as readable lines:
 *
 * ```text
 * → tools/call add
 * ← tools/call add 3.1 ms
 * ✗ tools/call nope 0.4 ms: Unknown tool: 'nope'
 * ```
 *
 * Notifications get their `→` line (and a `✗` line if a hook below fails); there is no answer to
 * log. With `includePayloads`, the `→` line carries the params and the `←` line the result, as
 * JSON without `_meta`, cut to `maxPayloadLength`. Whatever is printed is redacted first: the
 * value of any key naming a secret (`authorization`, `token`, `secret`, `password`, `api_key`,
 * `cookie`, in any case, at any depth) becomes `"[redacted]"`, as do `Bearer` credentials and
 * secret query parameters inside text. The caller's principal and its claims are never printed.
 *
 * @example
 * ```ts
 * import { FastMCP, LoggingMiddleware } from "@denomcp/denomcp";
 * const lines: string[] = [];
 * const mcp = new FastMCP({
 *   name: "demo",
 *   middleware: [new LoggingMiddleware({ includePayloads: true, logger: (line) => lines.push(line) })],
 * });
 * ```
 */
export class LoggingMiddleware implements Middleware {
  readonly #settings: LoggingSettings;

  /** Creates the middleware; throws a TypeError for a bad `maxPayloadLength`. */
  constructor(options: LoggingOptions = {}) {
    this.#settings = loggingSettings(options, "LoggingMiddleware");
  }

  /** Logs the message, then its answer or failure. */
  onMessage(context: MiddlewareContext, next: Next): MaybePromise<JsonObject | undefined> {
    const { logger, includePayloads, maxPayloadLength, methods } = this.#settings;
    if (methods && !methods.has(context.method)) return next(context);
    const name = targetOf(context.method, context.params);
    const what = name === undefined ? context.method : `${context.method} ${name}`;
    const payload = (value: unknown) =>
      includePayloads ? ` ${printablePayload(value, maxPayloadLength)}` : "";
    logger(`→ ${what}${payload(context.params)}`);
    const started = performance.now();
    const ms = () => (performance.now() - started).toFixed(1);
    const failed = (error: unknown): never => {
      logger(`✗ ${what} ${ms()} ms: ${redactText(errorMessage(error))}`);
      throw error;
    };
    const answered = (result: JsonObject | undefined) => {
      if (context.type === "request") {
        const toolError = result?.isError === true ? " (tool error)" : "";
        logger(`← ${what} ${ms()} ms${toolError}${payload(result)}`);
      }
      return result;
    };
    return settle(() => next(context), answered, failed);
  }
}
