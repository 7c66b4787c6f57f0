/**
 * State kept per authenticated user (FastMCP 4's answer to scaling out): keyed by the principal,
 * not the session, in the server's store, so it works on the stateless 2026 wire and across
 * isolates and instances. Session state (`ctx.getState`) dies with its session; user state
 * lives until its TTL.
 *
 * @module
 */

import { type Principal, principalKey } from "../../auth/access_token.ts";
import { ToolError } from "../errors.ts";
import type { Store } from "../store/store.ts";

/**
 * One user's state, as `ctx.userState` hands it out.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * const mcp = new FastMCP({ name: "demo" });
 * mcp.tool("visits", {}, async (_args, ctx) => {
 *   const n = ((await ctx.userState.get<number>("visits")) ?? 0) + 1;
 *   await ctx.userState.set("visits", n);
 *   return n;
 * });
 * ```
 */
export class UserState {
  /** Creates the state of `principal` (undefined: an anonymous caller, refused on use). */
  constructor(
    private readonly store: () => Store,
    private readonly principal: Principal | undefined,
    private readonly defaultTtlMs: number,
  ) {}

  #key(key: string): string[] {
    if (!this.principal) {
      throw new ToolError(
        "ctx.userState needs an authenticated caller: the server has no `auth`, or the request came without " +
          "a token (stdio); use ctx.getState for session state",
      );
    }
    return ["user", principalKey(this.principal), key];
  }

  /** A value kept for this user. */
  get<T = unknown>(key: string): Promise<T | undefined> {
    try {
      return this.store().get<T>(this.#key(key));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Keeps a value for this user, for `ttlMs` (default `limits.userStateTtlMs`). */
  set(key: string, value: unknown, options: { ttlMs?: number } = {}): Promise<void> {
    try {
      return this.store().set(this.#key(key), value, { expireInMs: options.ttlMs ?? this.defaultTtlMs });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Forgets a value kept for this user. */
  delete(key: string): Promise<void> {
    try {
      return this.store().delete(this.#key(key));
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
