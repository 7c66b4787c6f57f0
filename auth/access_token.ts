/**
 * What a verifier makes of a bearer token: an {@link AccessToken} for a valid one, an
 * {@link AuthError} naming why for any other. Tokens themselves never appear in messages.
 *
 * @module
 */

/** A verified access token and what it says about its bearer. */
export interface AccessToken {
  /** The token as presented (never logged). */
  readonly token: string;
  /** The OAuth client it was issued to (`client_id`, `azp`, or `cid`). */
  readonly clientId: string;
  /** The user (or service) it speaks for (`sub`); undefined for a client-only token. */
  readonly subject?: string;
  /** The scopes it grants. */
  readonly scopes: readonly string[];
  /** When it expires (seconds since the epoch); undefined when it does not. */
  readonly expiresAt?: number;
  /** Every claim it carries. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** Who issued it. */
  readonly issuer?: string;
  /** Who it was issued for. */
  readonly audience?: string | readonly string[];
  /**
   * Behind an OAuth proxy: the identity provider's current access token, for calling its API on
   * the user's behalf (refreshed by the proxy as needed). Like `token`, it is never logged and never
   * leaves the isolate that received the request.
   */
  readonly upstreamToken?: string;
}

/**
 * Why a token was refused, in RFC 6750 terms: `invalid_token` (401) or `insufficient_scope`
 * (403, with the scopes the request needs).
 */
export class AuthError extends Error {
  /** Creates the error; `description` is safe to show the client (it never holds the token). */
  constructor(
    readonly error: "invalid_token" | "insufficient_scope",
    description: string,
    readonly scopes: readonly string[] = [],
  ) {
    super(description);
    this.name = "AuthError";
  }

  /** The HTTP status of this refusal. */
  get status(): 401 | 403 {
    return this.error === "insufficient_scope" ? 403 : 401;
  }
}

/**
 * Turns a token into an {@link AccessToken}, or rejects with an {@link AuthError}.
 *
 * @example
 * ```ts
 * import { AuthError, type TokenVerifier } from "@denomcp/denomcp/auth";
 * const verifier: TokenVerifier = {
 *   verify(token) {
 *     if (token !== "let-me-in") return Promise.reject(new AuthError("invalid_token", "unknown token"));
 *     return Promise.resolve({ token, clientId: "dev", scopes: [], claims: {} });
 *   },
 * };
 * ```
 */
export interface TokenVerifier {
  /** Verifies a bearer token. */
  verify(token: string): Promise<AccessToken>;
  /**
   * Scopes every token must carry, if the verifier checks some: challenges ask for them when a
   * request comes without a token, and name them with an operation's own.
   */
  readonly requiredScopes?: readonly string[];
  /**
   * The access token for `token` if this verifier has verified it before and still accepts it,
   * answered synchronously (undefined otherwise, and then `verify` decides): a server asks this
   * first, so that a client presenting the same token on every request costs no promise.
   */
  remembered?(token: string): AccessToken | undefined;
}

/** Scopes from a `scope` string claim or an `scp` array claim. */
export function scopesOf(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === "string") return claims.scope.split(" ").filter(Boolean);
  if (Array.isArray(claims.scp)) return claims.scp.filter((s): s is string => typeof s === "string");
  if (typeof claims.scp === "string") return claims.scp.split(" ").filter(Boolean);
  return [];
}

/** Refuses a token lacking any of `required` (all of them are named, as 2026-07-28 asks). */
export function checkScopes(token: AccessToken, required: readonly string[]): void {
  const missing = required.filter((scope) => !token.scopes.includes(scope));
  if (missing.length) {
    throw new AuthError("insufficient_scope", `the token lacks the scopes ${missing.join(" ")}`, required);
  }
}

/**
 * Who a request speaks for: an access token without the token itself, so that it can travel in
 * request facts, into workers and task records, without the credential.
 */
export type Principal = Omit<AccessToken, "token" | "upstreamToken">;

const principals = new WeakMap<AccessToken, Principal>();

/** The principal of a token (everything but the token); one object per verified token. */
export function principalOf(token: AccessToken): Principal {
  let principal = principals.get(token);
  if (!principal) {
    const { token: _token, upstreamToken: _upstream, ...rest } = token;
    principals.set(token, principal = rest);
  }
  return principal;
}

/**
 * A stable key for a principal, to bind sessions, tasks and user state to it: the issuer, the
 * client and the subject (a client-only token is its client).
 */
export function principalKey(principal: Principal): string {
  return JSON.stringify([principal.issuer ?? "", principal.clientId, principal.subject ?? ""]);
}
