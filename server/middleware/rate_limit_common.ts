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
