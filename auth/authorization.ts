/**
 * Who may use which component: auth checks are functions of the caller's verified token and the
 * component, combined with AND. The built-in ones are scope-aware (`requireScopes`,
 * `restrictTag`), so that a refusal can name every scope the operation needs (a 403
 * `insufficient_scope` step-up, SEP-2350); any other check is opaque, and its refusal says
 * nothing, not even that the component exists.
 *
 * @module
 */

import { ProtocolError } from "../protocol/errors.ts";
import { ErrorCode } from "../protocol/jsonrpc.ts";
import type { Principal } from "./access_token.ts";

/** The component a check is asked about (a tool, resource, template or prompt of the server). */
export interface AuthComponent {
  /** Its name: a tool or prompt name, a resource URI, or a URI template. */
  readonly identifier: string;
  /** `tool:name@version` (`@` alone when unversioned); the part before `:` is its type. */
  readonly key: string;
  /** Its server-side tags. */
  readonly tags: ReadonlySet<string>;
  /** Its version, if it has one. */
  readonly version?: string;
}

/** What an {@link AuthCheck} sees. */
export interface AuthContext {
  /** The caller's verified token, without the token itself; undefined for an anonymous caller. */
  readonly token?: Principal;
  /**
   * The scopes the caller holds, widened by the server's scope hierarchy (a broader scope
   * implies the narrower ones it names); empty for an anonymous caller.
   */
  readonly scopes: ReadonlySet<string>;
  /** The component being listed or used. */
  readonly component: AuthComponent;
}

/**
 * A check: true lets the caller see and use the component. It may throw an
 * {@link AuthorizationError} to refuse with a message the caller reads; any other error refuses
 * silently (and is logged).
 */
export type AuthCheck = (context: AuthContext) => boolean | Promise<boolean>;

/** One check or several, all of which must pass (the `auth` option of components and mounts). */
export type AuthRule = AuthCheck | readonly AuthCheck[];

/**
 * An explicit refusal whose message the caller may read (the check's author decided it may know
 * the component exists): a JSON-RPC error with code -32003 (`forbidden`).
 *
 * @example
 * ```ts
 * import { type AuthCheck, AuthorizationError } from "@denomcp/denomcp/auth";
 * const verifiedEmail: AuthCheck = ({ token }) => {
 *   if (token?.claims.email_verified !== true) throw new AuthorizationError("verify your email first");
 *   return true;
 * };
 * ```
 */
export class AuthorizationError extends ProtocolError {
  /** Creates the refusal. */
  constructor(message: string, options: { data?: unknown; code?: string } = {}) {
    super(ErrorCode.Forbidden, message, { data: options.data, code: options.code ?? "forbidden" });
    this.name = "AuthorizationError";
  }
}

/**
 * A refusal that names the scopes an operation needs: HTTP answers it with 403 and an
 * `insufficient_scope` challenge, so the client can ask for them (step-up authorization). A
 * handler may throw it when the scopes depend on the arguments.
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { InsufficientScopeError } from "@denomcp/denomcp/auth";
 * import { z } from "zod";
 * const mcp = new FastMCP({ name: "files" });
 * mcp.tool("remove", { input: z.object({ path: z.string() }) }, async ({ path }, ctx) => {
 *   await Promise.resolve();
 *   if (path.startsWith("/shared/") && !ctx.accessToken?.scopes.includes("files:admin")) {
 *     throw new InsufficientScopeError(["files:write", "files:admin"]);
 *   }
 *   return `removed ${path}`;
 * });
 * ```
 */
export class InsufficientScopeError extends AuthorizationError {
  /** The scopes the operation needs (all of them, held or not). */
  readonly scopes: readonly string[];

  /** Creates the refusal; the message names the scopes. */
  constructor(scopes: readonly string[], message?: string) {
    super(message ?? `this operation needs the scopes ${scopes.join(" ")}`, {
      data: { requiredScopes: [...scopes] },
      code: "insufficient_scope",
    });
    this.name = "InsufficientScopeError";
    this.scopes = [...scopes];
  }
}

/**
 * A check that says which scopes it needs, so that a shortfall can be named (what
 * `requireScopes` and `restrictTag` return). Write one to make scopes depend on the caller or
 * the component; the engine asks `requiredScopes` and compares, rather than calling the check.
 *
 * @example
 * ```ts
 * import type { AuthContext, ScopeCheck } from "@denomcp/denomcp/auth";
 * // Each tool needs a scope named after it.
 * const ownScope: ScopeCheck = Object.assign(
 *   (context: AuthContext) => context.scopes.has(`tools:${context.component.identifier}`),
 *   { requiredScopes: (context: AuthContext) => [`tools:${context.component.identifier}`] },
 * );
 * ```
 */
export interface ScopeCheck {
  /** The check. */
  (context: AuthContext): boolean;
  /** The scopes it needs of this caller for this component (none when it does not apply). */
  readonly requiredScopes: (context: AuthContext) => readonly string[];
}

function scopeCheck(required: (component: AuthComponent) => readonly string[]): ScopeCheck {
  const requiredScopes = (context: AuthContext) => required(context.component);
  const check = (context: AuthContext) => requiredScopes(context).every((s) => context.scopes.has(s));
  return Object.assign(check, { requiredScopes });
}

/**
 * The caller's token must hold every one of `scopes` (after the scope hierarchy).
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { requireScopes } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({ name: "notes" });
 * mcp.tool("delete_note", { auth: requireScopes("notes:write") }, async ({ id }) => {
 *   await Promise.resolve();
 *   return `deleted ${id}`;
 * });
 * ```
 */
export function requireScopes(...scopes: string[]): ScopeCheck {
  if (scopes.length === 0) throw new TypeError("requireScopes: name at least one scope");
  const needed = Object.freeze([...new Set(scopes)]);
  return scopeCheck(() => needed);
}

/**
 * Components tagged `tag` need `scopes`; others are not affected (meant for `AuthMiddleware`).
 *
 * @example
 * ```ts
 * import { AuthMiddleware, FastMCP } from "@denomcp/denomcp";
 * import { restrictTag } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({
 *   name: "ops",
 *   middleware: [new AuthMiddleware({ auth: restrictTag("admin", { scopes: ["ops:admin"] }) })],
 * });
 * ```
 */
export function restrictTag(tag: string, options: { scopes: string[] }): ScopeCheck {
  if (options.scopes.length === 0) throw new TypeError(`restrictTag('${tag}'): name at least one scope`);
  const needed = Object.freeze([...new Set(options.scopes)]);
  const none: readonly string[] = Object.freeze([]);
  return scopeCheck((component) => component.tags.has(tag) ? needed : none);
}

/** Options of {@link requireRoles}. */
export interface RequireRolesOptions {
  /**
   * Where the roles are: a claim name (`"roles"`, `"cognito:groups"`), a dotted path into the
   * claims (`"realm_access.roles"` for Keycloak; an exact claim name is tried first), or a
   * function of the claims. Default `"roles"`.
   */
  claim?: string | ((claims: Readonly<Record<string, unknown>>) => unknown);
}

/**
 * The caller must hold every one of `roles`, read from a claim of the token. Roles cannot be
 * asked for in OAuth, so a refusal is opaque (it names no scope).
 *
 * @example
 * ```ts
 * import { FastMCP } from "@denomcp/denomcp";
 * import { requireRoles } from "@denomcp/denomcp/auth";
 * const mcp = new FastMCP({ name: "billing" });
 * mcp.tool("refund", { auth: requireRoles("finance", { claim: "realm_access.roles" }) }, async () => {
 *   await Promise.resolve();
 *   return "refunded";
 * });
 * ```
 */
export function requireRoles(
  roles: string | readonly string[],
  options: RequireRolesOptions = {},
): AuthCheck {
  const needed = typeof roles === "string" ? [roles] : [...roles];
  if (needed.length === 0) throw new TypeError("requireRoles: name at least one role");
  const read = rolesReader(options.claim ?? "roles");
  return ({ token }) => {
    if (!token) return false;
    const held = read(token.claims);
    return needed.every((role) => held.has(role));
  };
}

function rolesReader(
  claim: NonNullable<RequireRolesOptions["claim"]>,
): (claims: Readonly<Record<string, unknown>>) => Set<string> {
  const extract = typeof claim === "function" ? claim : (claims: Readonly<Record<string, unknown>>) => {
    if (Object.hasOwn(claims, claim)) return claims[claim];
    let value: unknown = claims;
    for (const part of claim.split(".")) {
      if (typeof value !== "object" || value === null || !Object.hasOwn(value, part)) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value;
  };
  return (claims) => {
    let value: unknown;
    try {
      value = extract(claims);
    } catch {
      return new Set();
    }
    // One role as a bare string is that role, not its characters.
    if (typeof value === "string") return new Set(value.split(" ").filter(Boolean));
    if (!Array.isArray(value)) return new Set();
    return new Set(value.filter((r): r is string => typeof r === "string"));
  };
}

/** Every check of a rule, as a list. */
export function checksOf(rule: AuthRule | undefined): readonly AuthCheck[] {
  if (rule === undefined) return [];
  const list = typeof rule === "function" ? [rule] : [...rule];
  for (const check of list) {
    if (typeof check !== "function") throw new TypeError("an auth check is a function of the AuthContext");
  }
  return list;
}

/** Why a caller may not use a component: unseen (opaque), a message it may read, or scopes to ask for. */
export type Refusal =
  | { readonly kind: "hidden" }
  | { readonly kind: "explicit"; readonly message: string }
  | { readonly kind: "scopes"; readonly scopes: readonly string[] };

const HIDDEN: Refusal = Object.freeze({ kind: "hidden" });

/**
 * Runs `checks` in order (AND). Scope-aware checks are all evaluated and their scopes gathered,
 * so that one refusal names every scope the operation needs; an opaque check after a scope
 * shortfall is not run (the caller has not reached it, and its rules stay unknown), and an
 * opaque refusal hides the shortfall (a caller it turns away must not learn what else the
 * component needs). Undefined when every check passes; a promise only when a check returns one.
 */
export function authorize(
  checks: readonly AuthCheck[],
  context: AuthContext,
  onError: (error: unknown) => void,
): Refusal | undefined | Promise<Refusal | undefined> {
  const needed = new Set<string>();
  let short = false;
  const step = (i: number): Refusal | undefined | Promise<Refusal | undefined> => {
    for (; i < checks.length; i++) {
      const check = checks[i];
      const scopesOf = (check as Partial<ScopeCheck>).requiredScopes;
      if (typeof scopesOf === "function") {
        let scopes: readonly string[];
        try {
          scopes = scopesOf(context);
        } catch (error) {
          return refused(error, onError);
        }
        for (const scope of scopes) {
          needed.add(scope);
          if (!context.scopes.has(scope)) short = true;
        }
        continue;
      }
      if (short) break;
      let verdict: boolean | Promise<boolean>;
      try {
        verdict = check(context);
      } catch (error) {
        return refused(error, onError);
      }
      if (verdict instanceof Promise) {
        const next = i + 1;
        return verdict.then(
          (ok) => ok === true ? step(next) : HIDDEN,
          (error) => refused(error, onError),
        );
      }
      if (verdict !== true) return HIDDEN;
    }
    return short ? { kind: "scopes", scopes: [...needed] } : undefined;
  };
  return step(0);
}

function refused(error: unknown, onError: (error: unknown) => void): Refusal {
  if (error instanceof InsufficientScopeError) return { kind: "scopes", scopes: error.scopes };
  if (error instanceof AuthorizationError) return { kind: "explicit", message: error.message };
  onError(error);
  return HIDDEN;
}

/**
 * The scopes a token holds, widened by a hierarchy (`{ "files:admin": ["files:write"], "files:write":
 * ["files:read"] }`: admin implies write, which implies read), transitively.
 */
export function grantedScopes(
  held: readonly string[],
  hierarchy?: Readonly<Record<string, readonly string[]>>,
): Set<string> {
  const out = new Set(held);
  if (!hierarchy) return out;
  const queue = [...held];
  while (queue.length) {
    const scope = queue.pop()!;
    const implied = Object.hasOwn(hierarchy, scope) ? hierarchy[scope] : undefined;
    for (const narrower of implied ?? []) {
      if (!out.has(narrower)) {
        out.add(narrower);
        queue.push(narrower);
      }
    }
  }
  return out;
}
