/**
 * `RateLimitingMiddleware`: a token bucket per client (and per tool, if asked), kept in the
 * server's store with compare-and-set updates, so that the limit holds across isolates and
 * instances sharing a store, and across re-initialised sessions.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import type { Store } from "../store/store.ts";
import type { Middleware, MiddlewareContext, MiddlewareHost, Next } from "./middleware.ts";
import { CAS_ATTEMPTS, LimitGate, type RateLimitOptions, type Verdict } from "./rate_limit_common.ts";

/** Options of {@link RateLimitingMiddleware}. */
export interface RateLimitingOptions extends RateLimitOptions {
  /** Sustained rate: tokens added per second. Default 10. */
  maxRequestsPerSecond?: number;
  /** Most requests in a burst (the bucket's size). Default twice `maxRequestsPerSecond`. */
  burstCapacity?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Limits requests with a token bucket: a refused request gets JSON-RPC -32004 with
 * `data.retryAfterMs` (HTTP: 429 and `Retry-After`). The bucket lives in the server's store:
 * with `store: "kv"` every instance on the KV database shares it.
 *
 * @example
 * ```ts
 * import { FastMCP, RateLimitingMiddleware } from "@denomcp/denomcp";
 * const mcp = new FastMCP({
 *   name: "api",
 *   middleware: [new RateLimitingMiddleware({ maxRequestsPerSecond: 5, burstCapacity: 20, perTool: true })],
 * });
 * ```
 */
export class RateLimitingMiddleware implements Middleware {
  readonly #rate: number;
  readonly #capacity: number;
  readonly #gate: LimitGate;

  /** Creates the limit; throws a TypeError for a rate or capacity that is not positive. */
  constructor(options: RateLimitingOptions = {}) {
    this.#rate = options.maxRequestsPerSecond ?? 10;
    this.#capacity = options.burstCapacity ?? this.#rate * 2;
    if (!(this.#rate > 0) || !(this.#capacity >= 1)) {
      throw new TypeError("RateLimitingMiddleware: maxRequestsPerSecond must be > 0 and burstCapacity >= 1");
    }
    this.#gate = new LimitGate(
      options,
      `${this.#rate}/s, bursts of ${this.#capacity}`,
      (store, key, n) => this.#take(store, key, n),
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

  /** Takes a token for each of `count` requests from the bucket under `key`, atomically. */
  async #take(store: Store, key: string[], count: number): Promise<Verdict[]> {
    const storeKey = ["ratelimit", "bucket", ...key];
    // An idle bucket refills completely in this long; past it the entry is not needed.
    const expireInMs = Math.ceil((this.#capacity / this.#rate) * 1000) + 1000;
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const { value, version } = await store.getVersioned<Bucket>(storeKey);
      const now = Date.now();
      const tokens = value
        ? Math.min(this.#capacity, value.tokens + ((now - value.at) / 1000) * this.#rate)
        : this.#capacity;
      const granted = Math.min(count, Math.floor(tokens));
      const left = tokens - granted;
      if (granted === 0 || await store.setIf(storeKey, version, { tokens: left, at: now }, { expireInMs })) {
        // The k-th refused request waits until k more tokens have come in.
        return Array.from(
          { length: count },
          (_, i) =>
            i < granted
              ? { allowed: true, retryAfterMs: 0 }
              : { allowed: false, retryAfterMs: Math.ceil(((i - granted + 1 - left) / this.#rate) * 1000) },
        );
      }
    }
    throw new Error(`the bucket ${JSON.stringify(key)} is too contended`);
  }
}
