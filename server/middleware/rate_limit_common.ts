/**
 * What the two rate limits share: who a request counts against (the authenticated principal, else
 * the client's address, never the session id, which a client renews at will), the refusal an
 * agent can act on, and the store access that either lets requests through or refuses them when
 * the store fails (the `failOpen` setting).
 *
 * @module
 */

import { principalKey } from "../../auth/access_token.ts";
import { ProtocolError } from "../../protocol/errors.ts";
import { ErrorCode } from "../../protocol/jsonrpc.ts";
import { clientAddressOf } from "../http/client_address.ts";
import type { Store } from "../store/store.ts";
import type { MiddlewareContext, MiddlewareHost } from "./middleware.ts";

/**
 * A request a rate limit refused: JSON-RPC -32004 (`rate_limited`) with `data.retryAfterMs`; over
 * HTTP also 429 with `Retry-After`.
 *
 * @example
 * ```ts
 * import { RateLimitError } from "@denomcp/denomcp";
 * const refusal = new RateLimitError("too many calls of 'search'", 1500);
 * console.log(refusal.rpcCode, refusal.data); // -32004 { retryAfterMs: 1500 }
 * ```
 */
export class RateLimitError extends ProtocolError {
  /** Creates the refusal; `retryAfterMs` is when a retry may succeed. */
  constructor(message: string, readonly retryAfterMs: number) {
    super(ErrorCode.RateLimited, message, { data: { retryAfterMs } });
    this.name = "RateLimitError";
  }
}

/** Options both rate limits take. */
export interface RateLimitOptions {
  /**
   * Who a request counts against. Default: the authenticated principal (issuer, client and
   * subject), else the client's IP address over HTTP, else `"stdio"`; never the session id.
   */
  getClientId?: (context: MiddlewareContext) => string | Promise<string>;
  /** One limit per tool (and per resource or prompt) rather than one per client. Default false. */
  perTool?: boolean;
  /** One limit shared by every client. Default false. */
  globalLimit?: boolean;
  /** The methods limited. Default: every request but `initialize` and `ping`. */
  methods?: string[];
  /**
   * When the store fails: let requests through (true, the default: a rate limit should not take a
   * service down with its store) or refuse them.
   */
  failOpen?: boolean;
}

const EXEMPT = new Set(["initialize", "ping"]);

/** The store key parts of a request under `options`, or undefined when it is not limited. */
export async function limitKey(
  context: MiddlewareContext,
  options: RateLimitOptions,
): Promise<string[] | undefined> {
  if (context.type !== "request") return undefined;
  if (options.methods ? !options.methods.includes(context.method) : EXEMPT.has(context.method)) {
    return undefined;
  }
  const who = options.globalLimit
    ? "*"
    : options.getClientId
    ? `c:${await options.getClientId(context)}`
    : defaultClientId(context);
  if (!options.perTool) return [who];
  const target = context.params.name ?? context.params.uri;
  return [who, context.method, typeof target === "string" ? target : ""];
}

function defaultClientId(context: MiddlewareContext): string {
  const principal = context.facts?.principal;
  if (principal) return `p:${principalKey(principal)}`;
  const address = clientAddressOf(context.context?.httpRequest);
  if (address) return `a:${address}`;
  return context.transport === "stdio" ? "stdio" : "anonymous";
}

/** What a limit says of one request. */
export interface Verdict {
  /** Let through. */
  allowed: boolean;
  /** When a refused request may be retried, in ms. */
  retryAfterMs: number;
}

/**
 * Runs a store-backed decision, applying the fail-open/closed setting when the store fails (a
 * warning at most once a minute, so an outage does not flood the log).
 */
export class StoreGuard {
  #warnedAt = -Infinity;

  constructor(private readonly failOpen: boolean) {}

  async decide(host: MiddlewareHost, what: string, decide: () => Promise<Verdict>): Promise<Verdict> {
    try {
      return await decide();
    } catch (error) {
      const now = Date.now();
      if (now - this.#warnedAt > 60_000) {
        this.#warnedAt = now;
        host.log(
          "warning",
          `${what}: the store failed (${error instanceof Error ? error.message : String(error)}); ` +
            (this.failOpen ? "letting requests through" : "refusing requests"),
        );
      }
      return { allowed: this.failOpen, retryAfterMs: 1000 };
    }
  }
}

/** Most attempts at a compare-and-set before a limit gives the store up as contended. */
export const CAS_ATTEMPTS = 16;

interface Waiter {
  resolve(verdict: Verdict): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the requests of one isolate that count against the same limit: while one store
 * update is in flight, later requests wait, and the next update decides for all of them at once.
 * Without it, concurrent requests on one bucket raced each other's compare-and-set: on Deno KV,
 * 32 concurrent clients got ~85 requests/s through, each retrying its update.
 */
export class Coalescer {
  readonly #queues = new Map<string, Waiter[]>();

  /** `decide(n)` answers for `n` requests of `key` at once, in order. */
  take(key: string, decide: (count: number) => Promise<Verdict[]>): Promise<Verdict> {
    return new Promise<Verdict>((resolve, reject) => {
      const queue = this.#queues.get(key);
      if (queue) {
        queue.push({ resolve, reject });
        return;
      }
      const waiting: Waiter[] = [{ resolve, reject }];
      this.#queues.set(key, waiting);
      void this.#drain(key, waiting, decide);
    });
  }

  async #drain(key: string, waiting: Waiter[], decide: (count: number) => Promise<Verdict[]>): Promise<void> {
    while (waiting.length) {
      const batch = waiting.splice(0);
      try {
        const verdicts = await decide(batch.length);
        batch.forEach((waiter, i) => waiter.resolve(verdicts[i]));
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    this.#queues.delete(key);
  }
}

/**
 * What both limits do around their own arithmetic: key the request, decide in coalesced batches
 * through the store (fail-open or closed), and refuse with a {@link RateLimitError}.
 */
export class LimitGate {
  readonly #guard: StoreGuard;
  readonly #coalescer = new Coalescer();
  #host?: MiddlewareHost;

  /** `decide(store, key, n)` answers for `n` requests of one key; `limit` describes the limit in refusals. */
  constructor(
    private readonly options: RateLimitOptions,
    private readonly limit: string,
    private readonly decide: (store: Store, key: string[], count: number) => Promise<Verdict[]>,
  ) {
    this.#guard = new StoreGuard(options.failOpen ?? true);
  }

  /** Keeps the server's store and has it record client addresses (the default key without auth). */
  install(host: MiddlewareHost): void {
    this.#host = host;
    host.recordClientAddresses();
  }

  /** Counts the request against its client's limit, or throws the refusal. */
  async admit(context: MiddlewareContext): Promise<void> {
    const key = await limitKey(context, this.options);
    const host = this.#host;
    if (!key || !host) return;
    const verdict = await this.#guard.decide(
      host,
      "rate limit",
      () => this.#coalescer.take(key.join("\u0000"), (n) => this.decide(host.store, key, n)),
    );
    if (!verdict.allowed) {
      throw new RateLimitError(
        `rate limit exceeded (${this.limit}); retry in ${verdict.retryAfterMs} ms`,
        verdict.retryAfterMs,
      );
    }
  }
}
