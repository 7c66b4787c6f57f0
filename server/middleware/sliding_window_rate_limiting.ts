/**
 * `SlidingWindowRateLimitingMiddleware`: at most `maxRequests` in any window of `windowMs`, exactly
 * (the times of the requests in the window are kept), in the server's store with compare-and-set
 * updates, so that the limit holds across isolates and instances sharing a store.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import type { Store } from "../store/store.ts";
import type { Middleware, MiddlewareContext, MiddlewareHost, Next } from "./middleware.ts";
import { CAS_ATTEMPTS, LimitGate, type RateLimitOptions, type Verdict } from "./rate_limit_common.ts";

/** Options of {@link SlidingWindowRateLimitingMiddleware}. */
export interface SlidingWindowRateLimitingOptions extends RateLimitOptions {
  /** Requests allowed in any window. At most 10,000 (each is a timestamp in the store). */
  maxRequests: number;
  /** The window, in ms. Default one minute. */
  windowMs?: number;
}

/** Most requests a window may count: the timestamps must fit one store entry. */
const MAX_REQUESTS = 10_000;

/**
 * Limits requests to `maxRequests` in any sliding window of `windowMs`: a refused request gets
 * JSON-RPC -32004 with `data.retryAfterMs` (HTTP: 429 and `Retry-After`), the time until the
 * oldest request in the window leaves it.
 *
 * @example
 * ```ts
 * import { FastMCP, SlidingWindowRateLimitingMiddleware } from "@denomcp/denomcp";
 * const mcp = new FastMCP({
 *   name: "api",
 *   store: "kv",
 *   middleware: [new SlidingWindowRateLimitingMiddleware({ maxRequests: 100, windowMs: 60_000 })],
 * });
 * ```
 */
export class SlidingWindowRateLimitingMiddleware implements Middleware {
  readonly #max: number;
  readonly #window: number;
  readonly #gate: LimitGate;

  /** Creates the limit; throws a TypeError for a count or window out of range. */
  constructor(options: SlidingWindowRateLimitingOptions) {
    this.#max = options.maxRequests;
    this.#window = options.windowMs ?? 60_000;
    if (!Number.isInteger(this.#max) || this.#max < 1 || this.#max > MAX_REQUESTS || !(this.#window > 0)) {
      throw new TypeError(
        `SlidingWindowRateLimitingMiddleware: maxRequests must be an integer from 1 to ${MAX_REQUESTS} ` +
          "and windowMs positive",
      );
    }
    this.#gate = new LimitGate(
      options,
      `${this.#max} per ${this.#window} ms`,
      (store, key, n) => this.#count(store, key, n),
    );
  }

  /** Keeps the server's store and has it record client addresses (the default key without auth). */
  install(host: MiddlewareHost): void {
    this.#gate.install(host);
  }

  /** Counts the request against its client's limit, or refuses it with a `RateLimitError`. */
  async onRequest(context: MiddlewareContext, next: Next): Promise<JsonObject | undefined> {
    await this.#gate.admit(context);
    return await next(context);
  }

  /** Counts `count` requests in the window under `key`, atomically: as many as there is room for. */
  async #count(store: Store, key: string[], count: number): Promise<Verdict[]> {
    const storeKey = ["ratelimit", "window", ...key];
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const { value, version } = await store.getVersioned<number[]>(storeKey);
      const now = Date.now();
      const recent = (value ?? []).filter((at) => at > now - this.#window);
      const granted = Math.max(0, Math.min(count, this.#max - recent.length));
      for (let i = 0; i < granted; i++) recent.push(now);
      const written = granted === 0 ||
        await store.setIf(storeKey, version, recent, { expireInMs: this.#window + 1000 });
      if (written) {
        // A refused request may retry when the oldest request of the window leaves it.
        const retryAfterMs = recent.length ? Math.max(1, recent[0] + this.#window - now) : 1;
        return Array.from(
          { length: count },
          (_, i) => i < granted ? { allowed: true, retryAfterMs: 0 } : { allowed: false, retryAfterMs },
        );
      }
    }
    throw new Error(`the window ${JSON.stringify(key)} is too contended`);
  }
}
