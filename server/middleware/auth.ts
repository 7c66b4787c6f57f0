/**
 * `AuthMiddleware`: auth checks applied to every component of a server (and of the servers
 * mounted in it), before each component's own. The checks run where components are resolved,
 * so they hold for calls, reads, prompts, listings, completions and tools running as tasks,
 * whatever other middleware does; where the middleware sits in the list does not matter.
 *
 * @module
 */

import { type AuthCheck, type AuthRule, checksOf } from "../../auth/authorization.ts";
import { AUTH_CHECKS, type Middleware } from "./middleware.ts";

/** Options of {@link AuthMiddleware}. */
export interface AuthMiddlewareOptions {
  /** The checks every component must pass (all of them). */
  auth: AuthRule;
}

/**
 * Applies auth checks to every component: a caller they refuse does not see the component in
 * listings, and using it gives 403 `insufficient_scope` (scopes missing) or the answer an unknown
 * name gets (any other refusal). Not applied on stdio (the process is its user's own).
 *
 * @example
 * ```ts
 * import { AuthMiddleware, FastMCP } from "@denomcp/denomcp";
 * import { requireScopes, restrictTag } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({
 *   name: "api",
 *   middleware: [
 *     new AuthMiddleware({ auth: requireScopes("api") }),
 *     new AuthMiddleware({ auth: restrictTag("admin", { scopes: ["api:admin"] }) }),
 *   ],
 * });
 * ```
 */
export class AuthMiddleware implements Middleware {
  /** @internal the checks, read by the server that installs the middleware */
  readonly [AUTH_CHECKS]: readonly AuthCheck[];

  /** Creates the middleware; throws a TypeError when a check is not a function. */
  constructor(options: AuthMiddlewareOptions) {
    this[AUTH_CHECKS] = Object.freeze(checksOf(options.auth));
  }
}

/** The server-wide checks a middleware carries (an {@link AuthMiddleware}'s); none otherwise. */
export function authChecksOf(middleware: Middleware): readonly AuthCheck[] {
  return middleware[AUTH_CHECKS] ?? [];
}
