/**
 * `StructuredLoggingMiddleware`: `LoggingMiddleware`'s events as one JSON object per line, for
 * log pipelines. The same redaction applies.
 *
 * @module
 */

import { ProtocolError } from "../../protocol/errors.ts";
import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { errorMessage } from "../errors.ts";
import { type MaybePromise, settle } from "./compose.ts";
import { type LoggingOptions, type LoggingSettings, loggingSettings } from "./logging.ts";
import type { Middleware, MiddlewareContext, Next } from "./middleware.ts";
import { printablePayload, redactText, targetOf } from "./redact.ts";

/** Options of {@link StructuredLoggingMiddleware}: those of `LoggingMiddleware`. */
export type StructuredLoggingOptions = LoggingOptions;

/** One line of {@link StructuredLoggingMiddleware}'s log, before it is serialized. */
export interface StructuredLogEntry {
  /** When the event happened, ISO 8601. */
  timestamp: string;
  /**
   * `request` as a request arrives, `notification` as a notification does, `response` when a
   * request is answered, `error` when anything below the middleware throws.
   */
  event: "request" | "notification" | "response" | "error";
  /** The JSON-RPC method. */
  method: string;
  /** The tool or prompt name, or the resource URI (credentials redacted). */
  name?: string;
  /** Milliseconds from arrival to answer or failure (`response` and `error`). */
  durationMs?: number;
  /** The 2025-era session. */
  sessionId?: string;
  /** The caller's subject, when the request was authenticated: never its token or claims. */
  subject?: string;
  /** `true` on a `response` whose tool call reported an error (`isError`). */
  toolError?: boolean;
  /** The error's message (`error`), with credentials redacted. */
  error?: string;
  /** The JSON-RPC code of a protocol error (`error`). */
  errorCode?: number;
  /**
   * With `includePayloads`: the params (`request`, `notification`) or the result (`response`),
   * as redacted JSON text without `_meta`, cut to `maxPayloadLength`. Always a string, so that a
   * log store sees one type for the field whether or not it was cut.
   */
  payload?: string;
}

/**
 * Logs every message (or those of `methods`) as one JSON object per line
 * ({@link StructuredLogEntry}):
 *
 * ```text
 * {"timestamp":"2026-01-01T00:00:00.000Z","event":"request","method":"tools/call","name":"add"}
 * {"timestamp":"2026-01-01T00:00:00.003Z","event":"response","method":"tools/call","name":"add","durationMs":3.1}
 * ```
 *
 * Payloads only with `includePayloads`, redacted as `LoggingMiddleware`'s are; of the caller,
 * only the principal's `subject` is printed.
 *
 * @example
 * ```ts
 * import { FastMCP, StructuredLoggingMiddleware } from "@denomcp/denomcp";
 * const mcp = new FastMCP({
 *   name: "demo",
 *   middleware: [new StructuredLoggingMiddleware({ methods: ["tools/call"] })],
 * });
 * ```
 */
export class StructuredLoggingMiddleware implements Middleware {
  readonly #settings: LoggingSettings;

  /** Creates the middleware; throws a TypeError for a bad `maxPayloadLength`. */
  constructor(options: StructuredLoggingOptions = {}) {
    this.#settings = loggingSettings(options, "StructuredLoggingMiddleware");
  }

  /** Logs the message, then its answer or failure. */
  onMessage(context: MiddlewareContext, next: Next): MaybePromise<JsonObject | undefined> {
    const { includePayloads, maxPayloadLength, methods } = this.#settings;
    if (methods && !methods.has(context.method)) return next(context);
    const base: Omit<StructuredLogEntry, "timestamp" | "event"> = { method: context.method };
    const name = targetOf(context.method, context.params);
    if (name !== undefined) base.name = name;
    if (context.sessionId !== undefined) base.sessionId = context.sessionId;
    // The subject alone: the principal's claims may hold anything.
    const subject = context.facts?.principal?.subject;
    if (subject !== undefined) base.subject = subject;
    const request: StructuredLogEntry = { timestamp: "", event: context.type, ...base };
    if (includePayloads) request.payload = printablePayload(context.params, maxPayloadLength);
    this.#write(request);
    const started = performance.now();
    const durationMs = () => Math.round((performance.now() - started) * 100) / 100;
    const failed = (error: unknown): never => {
      const entry: StructuredLogEntry = {
        timestamp: "",
        event: "error",
        ...base,
        durationMs: durationMs(),
        error: redactText(errorMessage(error)),
      };
      if (error instanceof ProtocolError) entry.errorCode = error.rpcCode;
      this.#write(entry);
      throw error;
    };
    const answered = (result: JsonObject | undefined) => {
      if (context.type !== "request") return result;
      const entry: StructuredLogEntry = {
        timestamp: "",
        event: "response",
        ...base,
        durationMs: durationMs(),
      };
      if (result?.isError === true) entry.toolError = true;
      if (includePayloads) entry.payload = printablePayload(result, maxPayloadLength);
      this.#write(entry);
      return result;
    };
    return settle(() => next(context), answered, failed);
  }

  /** Stamps the entry as it is written, so that the time is the event's. */
  #write(entry: StructuredLogEntry): void {
    entry.timestamp = new Date().toISOString();
    this.#settings.logger(JSON.stringify(entry));
  }
}
