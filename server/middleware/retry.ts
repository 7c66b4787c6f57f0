/**
 * `RetryMiddleware`: runs the rest of the chain again when it fails with an error it is told is
 * transient, waiting longer each time.
 *
 * @module
 */

import { ProtocolError } from "../../protocol/errors.ts";
import { ErrorCode, type JsonObject } from "../../protocol/jsonrpc.ts";
import { InputRequiredSignal } from "../engine/input_state.ts";
import { errorMessage } from "../errors.ts";
import type { LogSink } from "../logger.ts";
import { StartTaskSignal } from "../tasks/wire.ts";
import { type MaybePromise, settle } from "./compose.ts";
import type { Middleware, MiddlewareContext, MiddlewareHost, Next } from "./middleware.ts";
import { redactText } from "./redact.ts";

/** A class of errors, for {@link RetryOptions.retryExceptions}: any constructor. */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/** Options of {@link RetryMiddleware}. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** The wait before the first retry, in ms. Default 1000. */
  baseDelayMs?: number;
  /** The longest wait between two attempts, in ms. Default 30000. */
  maxDelayMs?: number;
  /** How much longer each wait is than the one before. Default 2. */
  backoffMultiplier?: number;
  /**
   * Which errors are transient: a predicate, or error classes (an error, or its `cause`, that is
   * an instance of one). Default: connection failures and timeouts, by name —
   * `TimeoutError` (`AbortSignal.timeout`), `Deno.errors.TimedOut`, `ConnectionRefused`,
   * `ConnectionReset`, `ConnectionAborted`, the client's `ConnectionError`, and Node-style
   * `ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT` codes. Nothing else: running a request twice is
   * only safe when the first run cannot have done its work.
   */
  retryExceptions?: ((error: unknown) => boolean) | readonly ErrorClass[];
  /**
   * Where each retry is logged (`warning`), with the fields `{ method, attempt, delayMs }`.
   * Default: the server's own logger, or stderr when the middleware is used outside a server.
   */
  logger?: LogSink;
}

const TRANSIENT = new Set([
  "TimeoutError",
  "TimedOut",
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "ConnectionError",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
]);

/** The default: an error, or its cause, named as a connection failure or a timeout. */
function transientByName(error: unknown): boolean {
  const named = (e: unknown) => {
    if (!(e instanceof Error)) return false;
    const code = (e as { code?: unknown }).code;
    return TRANSIENT.has(e.name) || (typeof code === "string" && TRANSIENT.has(code));
  };
  return named(error) || (error instanceof Error && named(error.cause));
}

/**
 * Codes that say the request itself is wrong or not allowed: the same request would fail the
 * same way, however often it is sent.
 */
const CLIENT_FAULTS: ReadonlySet<number> = new Set([
  ErrorCode.ParseError,
  ErrorCode.InvalidRequest,
  ErrorCode.MethodNotFound,
  ErrorCode.InvalidParams,
  ErrorCode.ResourceNotFound,
  ErrorCode.HeaderMismatch,
  ErrorCode.MissingClientCapability,
  ErrorCode.UnsupportedProtocolVersion,
  ErrorCode.UrlElicitationRequired,
  ErrorCode.Forbidden,
]);

function nonNegative(name: string, value: number, integer = false): number {
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    const kind = integer ? "integer" : "number";
    throw new TypeError(`RetryMiddleware: ${name} must be a non-negative ${kind}, got ${value}`);
  }
  return value;
}

/**
 * Retries requests that fail with a transient error (see `retryExceptions`): up to `maxRetries`
 * more attempts, waiting `baseDelayMs`, then `backoffMultiplier` times longer each time, never
 * more than `maxDelayMs`. The last error is thrown when the attempts run out. Never retried,
 * whatever `retryExceptions` says: a `ProtocolError` of a client fault (invalid params, method
 * not found, forbidden, …), and the server's own control flow. When the request is cancelled
 * (its `signal` aborts), the wait ends and the last error is thrown at once.
 *
 * Only failures thrown below this middleware are seen: a tool that throws has already become an
 * `isError` result, which is the tool's answer and is not retried. Put the middleware outside
 * whatever it should retry (a backend call in a middleware, a proxy).
 *
 * @example
 * ```ts
 * import { FastMCP, RetryMiddleware } from "@denomcp/denomcp";
 * const mcp = new FastMCP({
 *   name: "demo",
 *   middleware: [new RetryMiddleware({ maxRetries: 2, baseDelayMs: 200, retryExceptions: [Deno.errors.TimedOut] })],
 * });
 * ```
 */
export class RetryMiddleware implements Middleware {
  readonly #maxRetries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #backoffMultiplier: number;
  readonly #transient: (error: unknown) => boolean;
  #log: LogSink;
  readonly #ownLogger: boolean;

  /** Creates the middleware; throws a TypeError for a negative or non-finite option. */
  constructor(options: RetryOptions = {}) {
    this.#maxRetries = nonNegative("maxRetries", options.maxRetries ?? 3, true);
    this.#baseDelayMs = nonNegative("baseDelayMs", options.baseDelayMs ?? 1000);
    this.#maxDelayMs = nonNegative("maxDelayMs", options.maxDelayMs ?? 30_000);
    this.#backoffMultiplier = nonNegative("backoffMultiplier", options.backoffMultiplier ?? 2);
    const given = options.retryExceptions;
    if (typeof given === "function") this.#transient = given;
    else if (given) {
      const classes = [...given];
      const isOne = (e: unknown) => classes.some((c) => e instanceof c);
      this.#transient = (e) => isOne(e) || (e instanceof Error && isOne(e.cause));
    } else this.#transient = transientByName;
    this.#ownLogger = options.logger !== undefined;
    this.#log = options.logger ?? ((level, message) => console.error(`[retry] ${level}: ${message}`));
  }

  /** Logs through the server's logger, unless a logger was given. */
  install(host: MiddlewareHost): void {
    if (!this.#ownLogger) this.#log = (level, message) => host.log(level, message);
  }

  /** The wait after failed attempt `attempt` (0 for the first), in ms. */
  #delayAfter(attempt: number): number {
    return Math.min(this.#baseDelayMs * this.#backoffMultiplier ** attempt, this.#maxDelayMs);
  }

  /** Whether `error` is worth another attempt. */
  #retryable(error: unknown): boolean {
    if (error instanceof InputRequiredSignal || error instanceof StartTaskSignal) return false;
    if (error instanceof ProtocolError && CLIENT_FAULTS.has(error.rpcCode)) return false;
    return this.#transient(error);
  }

  /** Runs the rest of the chain, again on a transient failure. */
  onRequest(context: MiddlewareContext, next: Next): MaybePromise<JsonObject | undefined> {
    return this.#attempt(context, next, 0);
  }

  #attempt(context: MiddlewareContext, next: Next, attempt: number): MaybePromise<JsonObject | undefined> {
    const failed = (error: unknown) => this.#afterFailure(context, next, attempt, error);
    // A first attempt that succeeds synchronously costs no promise.
    return settle(() => next(context), (result) => result, failed);
  }

  async #afterFailure(
    context: MiddlewareContext,
    next: Next,
    attempt: number,
    error: unknown,
  ): Promise<JsonObject | undefined> {
    const signal = context.context?.signal;
    if (attempt >= this.#maxRetries || !this.#retryable(error) || signal?.aborted) throw error;
    const delayMs = this.#delayAfter(attempt);
    this.#log(
      "warning",
      `${context.method} failed (attempt ${attempt + 1} of ${this.#maxRetries + 1}): ` +
        `${error instanceof Error ? error.name : typeof error}: ${redactText(errorMessage(error))}; ` +
        `retrying in ${delayMs} ms`,
      { method: context.method, attempt: attempt + 1, delayMs },
    );
    if (!await sleep(delayMs, signal)) throw error;
    return await this.#attempt(context, next, attempt + 1);
  }
}

/** Waits `ms`; resolves `false` at once if `signal` aborts first (and leaves no timer behind). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const aborted = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", aborted);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", aborted, { once: true });
  });
}
