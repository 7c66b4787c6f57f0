/**
 * `PingMiddleware`: keeps long-lived 2025 sessions alive through proxies and load balancers that
 * drop idle connections, with a `ping` from the server at an interval. Pings go where the
 * session's unsolicited messages go (its GET stream, or stdout on stdio); with no stream open
 * there is nothing to keep alive, and the tick is skipped. Timers stop when the session ends and
 * never keep the process alive.
 *
 * @module
 */

import type { JsonObject } from "../../protocol/jsonrpc.ts";
import { exchangeOf } from "../context.ts";
import type { Session } from "../sessions/session.ts";
import type { Middleware, MiddlewareContext, MiddlewareHost, Next } from "./middleware.ts";

/** A ping is never cancelled: it ends with the client's answer or its timeout. */
const NEVER = new AbortController().signal;

/** Options of {@link PingMiddleware}. */
export interface PingOptions {
  /** Time between pings, in ms. Default 30 s. */
  intervalMs?: number;
  /** How long a ping waits for the client's answer, in ms. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Pings each 2025 session's client at an interval, from the session's first request on.
 *
 * @example
 * ```ts
 * import { FastMCP, PingMiddleware } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "long-lived", middleware: [new PingMiddleware({ intervalMs: 15_000 })] });
 * ```
 */
export class PingMiddleware implements Middleware {
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #timers = new Map<string, ReturnType<typeof setInterval>>();

  /** Creates the middleware; throws a TypeError for an interval that is not positive. */
  constructor(options: PingOptions = {}) {
    this.#intervalMs = options.intervalMs ?? 30_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    if (!(this.#intervalMs > 0) || !(this.#timeoutMs > 0)) {
      throw new TypeError("PingMiddleware: intervalMs and timeoutMs must be positive");
    }
  }

  /** Stops a session's pings when it ends. */
  install(host: MiddlewareHost): void {
    host.onSessionEnd((id) => this.#stop(id));
  }

  /** Starts pinging the request's session, if it has one and is not pinged yet. */
  onRequest(context: MiddlewareContext, next: Next): ReturnType<Next> {
    const session = context.context && exchangeOf(context.context).session;
    if (session && !session.closed && !this.#timers.has(session.id)) this.#start(session);
    return next(context);
  }

  /** Sessions being pinged (for tests and stats). */
  get sessions(): number {
    return this.#timers.size;
  }

  #start(session: Session): void {
    const timer = setInterval(() => {
      if (session.closed) return this.#stop(session.id);
      const sink = session.unsolicited;
      if (!sink) return;
      session.request(
        (m) => void sink(m),
        "ping",
        {} as JsonObject,
        NEVER,
        this.#timeoutMs,
      )
        .catch(() => {
          // An unanswered ping is the connection's problem to report, not the server's.
        });
    }, this.#intervalMs);
    Deno.unrefTimer(timer as unknown as number);
    this.#timers.set(session.id, timer);
  }

  #stop(id: string): void {
    const timer = this.#timers.get(id);
    if (timer === undefined) return;
    clearInterval(timer);
    this.#timers.delete(id);
  }
}
